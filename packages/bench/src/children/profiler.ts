import { Session } from 'node:inspector/promises';
import { type CpuProfile, type ProfileSummary, summarizeProfile } from '../report/profile.js';

/** A V8 CPU profile of this process between start() and stop(), summarized. */
export class Profiler {
  #session: Session | undefined;

  async start(): Promise<void> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    this.#session = session;
  }

  /** Stops profiling and summarizes the profile as `process`. */
  async stop(process: string): Promise<ProfileSummary> {
    const session = this.#session;
    if (session === undefined) {
      throw new Error('the profiler was not started');
    }
    this.#session = undefined;
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    await session.post('Profiler.disable');
    session.disconnect();
    return summarizeProfile(profile, process);
  }
}
