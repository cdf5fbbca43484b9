/**
 * Example: unit-testing a job handler by calling it directly with a job built by
 * `createJobDocument` — no database, no scheduler, no waiting. (`testing-a-handler.test.ts` runs a
 * handler through a real scheduler instead.)
 */
import { createJobDocument } from '@monque/core/testing';
import { describe, expect, it } from 'vitest';
import { type Mailer, sendWelcomeEmail, type WelcomeEmail } from '../src/welcome-email.js';

/** A mailer that records what it was asked to send. */
function recordingMailer(): Mailer & { sent: Array<{ to: string; subject: string }> } {
  const sent: Array<{ to: string; subject: string }> = [];
  return {
    sent,
    async send({ to, subject }) {
      sent.push({ to, subject });
    },
  };
}

const running = () => ({ signal: new AbortController().signal, progress: () => {} });

describe('welcome-email handler, called directly', () => {
  it('sends one e-mail to the address in the job', async () => {
    const mailer = recordingMailer();
    const job = createJobDocument<WelcomeEmail>({
      name: 'welcome-email',
      data: { email: 'ada@example.com', name: 'Ada' },
    });
    await sendWelcomeEmail(mailer)(job, running());
    expect(mailer.sent).toEqual([{ to: 'ada@example.com', subject: 'Welcome, Ada!' }]);
  });

  it('fails the job for an address without @, sending nothing', async () => {
    const mailer = recordingMailer();
    const job = createJobDocument<WelcomeEmail>({
      name: 'welcome-email',
      data: { email: 'ada.example.com', name: 'Ada' },
      failCount: 2, // any state a test needs: here, a job already retried twice
    });
    await expect(sendWelcomeEmail(mailer)(job, running())).rejects.toThrow(
      'not an e-mail address: "ada.example.com"',
    );
    expect(mailer.sent).toEqual([]);
  });

  it('sends nothing once the instance is stopping (its signal aborted)', async () => {
    const mailer = recordingMailer();
    const stopping = new AbortController();
    stopping.abort();
    const job = createJobDocument<WelcomeEmail>({
      name: 'welcome-email',
      data: { email: 'ada@example.com', name: 'Ada' },
    });
    await expect(
      sendWelcomeEmail(mailer)(job, { signal: stopping.signal, progress: () => {} }),
    ).rejects.toThrow();
    expect(mailer.sent).toEqual([]);
  });
});
