/**
 * A job handler written to be unit-tested: its dependency (the mailer) is passed in, so a test
 * can call the handler directly with a job built by `createJobDocument` — see
 * `tests/handler-unit.test.ts`.
 */
import type { JobHandler } from '@monque/core';

/** The payload of a `welcome-email` job. */
export interface WelcomeEmail {
  email: string;
  name: string;
}

/** What the handler needs to send mail. */
export interface Mailer {
  send(
    message: { to: string; subject: string; text: string },
    options: { signal: AbortSignal },
  ): Promise<void>;
}

/**
 * The handler of `welcome-email` jobs: one e-mail to the new user. An address without `@` fails
 * the job (Monque retries it with backoff, then marks it failed); a handler whose signal was
 * aborted (the instance is stopping) sends nothing. Registered as
 * `monque.worker('welcome-email', sendWelcomeEmail(mailer))`.
 */
export function sendWelcomeEmail(mailer: Mailer): JobHandler<WelcomeEmail> {
  return async (job, { signal }) => {
    signal.throwIfAborted();
    const { email, name } = job.data;
    if (!email.includes('@')) {
      throw new Error(`not an e-mail address: ${JSON.stringify(email)}`);
    }
    await mailer.send(
      { to: email, subject: `Welcome, ${name}!`, text: `Hello ${name}, welcome aboard.` },
      { signal },
    );
  };
}
