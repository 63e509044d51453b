/** Sample recordings, IVR files and calls for the demo and the tests: real, playable A-law WAVs. */
import { wallClock } from './ccfs/bills.js';
import type { CcfsSimulator } from './ccfs/server.js';
import { demoRecording } from './shared/audio.js';

export const SEED = {
  acme: {
    recording: 'Y:/53/0/20261125/1001/4411223.V3',
    /** A call with two recordings: CC-FS answers a zip. */
    twoRecordingCall: '1777093663-792075',
    twoRecordingFiles: ['Y:/53/0/20261125/1001/4411224.V3', 'Y:/53/1/20261125/1001/4411225.V3'],
    oneRecordingCall: '1777093663-000001',
    ivrFile: 'Y:/voice/53/IVRrecordFile/welcome.wav',
    /** A folder holding exactly one file (mode 1). */
    ivrDir: 'Y:/3rdfile/53/thirdvoicebotfile/greeting',
    /** A folder holding two files: mode 1 refuses it. */
    ivrCrowdedDir: 'Y:/3rdfile/53/IVRrecordFile/menu',
    /** A voice message left in the IVR (CC-Gateway fileType 2). */
    voiceMessage: 'Y:/3rdfile/53/record/20261125/1001/msg-0001.wav',
  },
  globex: {
    recording: 'Y:/54/0/20261125/2001/5500001.V3',
  },
} as const;

export async function seedCcfs(sim: CcfsSimulator): Promise<void> {
  const s = sim.store;
  await s.put(SEED.acme.recording, demoRecording(0, 3));
  await s.put(SEED.acme.twoRecordingFiles[0], demoRecording(1));
  await s.put(SEED.acme.twoRecordingFiles[1], demoRecording(2));
  await s.put('Y:/53/0/20261125/1001/4411226.V3', demoRecording(3));
  s.addCall(SEED.acme.twoRecordingCall, [...SEED.acme.twoRecordingFiles]);
  s.addCall(SEED.acme.oneRecordingCall, ['Y:/53/0/20261125/1001/4411226.V3']);
  await s.put(SEED.acme.ivrFile, demoRecording(4));
  await s.put(`${SEED.acme.ivrDir}/hello.wav`, demoRecording(5));
  await s.put(`${SEED.acme.ivrCrowdedDir}/one.wav`, demoRecording(6));
  await s.put(`${SEED.acme.ivrCrowdedDir}/two.wav`, demoRecording(0));
  await s.put(SEED.acme.voiceMessage, demoRecording(4, 1));
  await s.put(SEED.globex.recording, demoRecording(1));
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A few days of calls for the CDR and recording index, ending `now`: acme's seeded recordings on
 * its newest calls (the demo's player lists them first), then a dozen more calls a few hours apart,
 * each with a recording stored and served like the others. Returns the numbers and agents used.
 */
export async function seedCalls(sim: CcfsSimulator, now: number): Promise<{ numbers: string[]; agents: string[] }> {
  const zone = sim.options.timeZone;
  const wall = (ms: number) => wallClock(ms, zone);
  const numbers = ['8613800138000', '8613900000001', '8613700000002'];
  const agents = ['1001', '1002', '1003'];
  const back = (hours: number) => now - hours * 3600_000;
  const call = (callId: string, vdnId: number, hoursAgo: number, i: number, files: string[]) => {
    const begin = back(hoursAgo);
    sim.bills.addCall({
      callId,
      vdnId,
      agentId: vdnId === 53 ? agents[i % agents.length]! : '2001',
      callerNo: numbers[i % numbers.length]!,
      calleeNo: '4008001234',
      begin: wall(begin),
      end: wall(begin + 180_000 + i * 7000),
      recordings: files.map((f, k) => ({
        originalFileName: f.replace(/\//g, '\\'),
        begin: wall(begin + 5000 + k * 60_000),
        end: wall(begin + 175_000 + i * 7000),
      })),
    });
  };
  call('1777093663-000002', 53, 1, 0, [SEED.acme.recording]);
  call(SEED.acme.twoRecordingCall, 53, 2, 1, [...SEED.acme.twoRecordingFiles]);
  call(SEED.acme.oneRecordingCall, 53, 3, 2, ['Y:/53/0/20261125/1001/4411226.V3']);
  call('1777093664-000001', 54, 2, 0, [SEED.globex.recording]);
  for (let i = 0; i < 12; i += 1) {
    const at = new Date(back(5 + i * 5));
    const agent = agents[i % agents.length]!;
    const file = `Y:/53/0/${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}/${agent}/44120${pad(i)}.V3`;
    await sim.store.put(file, demoRecording(i % 7, 2));
    const callId = `1777093670-0000${pad(i)}`;
    sim.store.addCall(callId, [file]);
    call(callId, 53, 5 + i * 5, i, [file]);
  }
  return { numbers, agents };
}
