/** Sample recordings and IVR files for the demo and the tests: real, playable A-law WAVs. */
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
