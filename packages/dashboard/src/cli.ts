#!/usr/bin/env node
/**
 * `monque-dashboard`: serves the dashboard of one jobs collection on its own, from this machine
 * only by default. Run with `--help` for the options.
 */
import { parseCommandLine, serveDashboard, USAGE, UsageError } from './command/serve.js';

async function main(): Promise<void> {
  const options = parseCommandLine(process.argv.slice(2));
  if (options === undefined) {
    console.log(USAGE);
    return;
  }
  const served = await serveDashboard(options);
  console.log(`Monque dashboard for ${options.collection ?? 'monque_jobs'} at ${served.url}`);
  const stop = (): void => {
    console.log('Stopping the dashboard');
    served.close().catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`monque-dashboard: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
