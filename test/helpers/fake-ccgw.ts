/** Scripted CC-Gateway calls for the agent session tests: no socket, no timer. */
import assert from 'node:assert/strict';
import type { AgentConfig } from '../../src/config/schema.js';
import type { CcgwCalls, FileAnswer, JsonAnswer } from '../../src/upstream/ccgateway.js';

/** The agent the session tests sign in. */
export const AGENT: AgentConfig = {
  agentId: 1001,
  password: 'pw',
  phoneNumber: '60001',
  allowForceLogin: false,
  agentType: 4,
  status: 3,
};

export const ok = (guid?: string, cookies: JsonAnswer['cookies'] = []): JsonAnswer => ({
  retcode: '0',
  newGuid: guid,
  cookies,
});

/** Scripted vendor: sign-in answers in order; polls wait until the test answers them or the loop stops. */
export function fakeCalls(signIns: JsonAnswer[]) {
  const log = { signIns: [] as boolean[], signOuts: [] as string[], polls: [] as string[] };
  const pending: Array<(a: JsonAnswer | Error) => void> = [];
  const calls: CcgwCalls = {
    async signIn(_agent, force) {
      log.signIns.push(force);
      const next = signIns.shift();
      if (!next) throw new Error('no sign-in scripted');
      return next;
    },
    poll(_agentId, creds, signal) {
      log.polls.push(creds.guid);
      return new Promise((resolve, reject) => {
        const settle = (a: JsonAnswer | Error) => (a instanceof Error ? reject(a) : resolve(a));
        pending.push(settle);
        signal.addEventListener(
          'abort',
          () => {
            pending.splice(pending.indexOf(settle), 1);
            reject(new Error('aborted'));
          },
          { once: true },
        );
      });
    },
    async signOut(_agentId, creds) {
      log.signOuts.push(creds.guid);
      return ok();
    },
    async recordFile(): Promise<FileAnswer> {
      throw new Error('not used here');
    },
  };
  /** Answers the oldest waiting poll. */
  const answerPoll = (a: JsonAnswer | Error) => {
    const p = pending.shift();
    assert.ok(p, 'a poll is waiting');
    p(a);
  };
  return { calls, log, answerPoll, waitingPolls: () => pending.length };
}
