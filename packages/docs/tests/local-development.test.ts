import { MongoEmulator } from '@monque/mongo-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main, parseCliArguments } from '../../mongo-emulator/src/cli.ts';
import { titledCodeBlock } from './support/document-snippets.ts';
import { extractCodeBlocks } from './support/markdown.ts';
import { checkedDocuments, DOCS_CONTENT, readRepositoryFile } from './support/repository.ts';
import { splitRow } from './support/stated-facts.ts';

const PAGE = `${DOCS_CONTENT}/getting-started/local-development.md`;

/** The health check of the Compose services in `compose`. */
function healthChecks(compose: string): unknown[] {
  const services = (parse(compose) as { services: Record<string, { healthcheck?: unknown }> })
    .services;
  return Object.values(services).map((service) => service.healthcheck);
}

describe('what the docs say about running a MongoDB for development', () => {
  let started: MongoEmulator;

  beforeAll(async () => {
    started = await MongoEmulator.start();
  });

  afterAll(() => started?.stop());

  it('states the ports as the code sets them: 27017 for the command, a free one for start()', () => {
    const { options } = parseCliArguments([]);
    expect(options.port).toBe(27017);
    expect(started.port).not.toBe(27017);
    expect(started.port).toBeGreaterThan(0);
    const rows = readRepositoryFile(PAGE)
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map(splitRow);
    const listensOn = (option: string) => rows.find((row) => row[0] === option)?.[2];
    expect(listensOn('`npx mongo-emulator`')).toMatch(new RegExp(`^port ${options.port}\\b`));
    expect(listensOn('`MongoEmulator.start()`')).toMatch(/^a free port\b/);
  });

  it('shows the connection string `npx mongo-emulator` prints, wherever the docs quote it', () => {
    const { options } = parseCliArguments([]);
    const printed = `mongodb://${started.host}:${options.port}/?replicaSet=${options.replicaSet}`;
    // The command prints what a server with these options reports as its URI.
    expect(started.uri).toBe(`mongodb://${started.host}:${started.port}/?replicaSet=rs0`);
    const quoted: string[] = [];
    for (const file of checkedDocuments()) {
      for (const block of extractCodeBlocks(readRepositoryFile(file), file)) {
        const lines = block.code.split('\n');
        lines.forEach((line, index) => {
          if (!/^npx mongo-emulator\s*(#|$)/.test(line)) return;
          const comment = /#\s*(mongodb:\/\/[^\s,]+)/.exec(`${line} ${lines[index + 1] ?? ''}`);
          if (comment) quoted.push(`${file}: ${comment[1]}`);
        });
      }
    }
    expect(quoted.length).toBeGreaterThanOrEqual(3);
    for (const quote of quoted) expect(quote.endsWith(`: ${printed}`), quote).toBe(true);
  });

  it("shows the command's --help as the command prints it (emulator README)", async () => {
    const out: string[] = [];
    const code = await main(['--help'], {
      out: (line) => out.push(line),
      err: (line) => out.push(line),
      onStopSignal: () => () => {},
    });
    expect(code).toBe(0);
    const readme = 'packages/mongo-emulator/README.md';
    const help = extractCodeBlocks(readRepositoryFile(readme), readme).find((block) =>
      block.code.startsWith('Usage: mongo-emulator'),
    );
    expect(help?.code).toBe(`${out.join('\n')}\n`);
  });

  it('gives a Compose file with the health check of the repository’s own, tested one', () => {
    const snippet = titledCodeBlock(PAGE, 'compose.yaml');
    const [check] = healthChecks(snippet);
    expect(check).toEqual(healthChecks(readRepositoryFile('docker-compose.yml'))[0]);
    expect(parse(snippet).services.mongodb.command).toEqual(
      expect.arrayContaining(['--replSet', 'rs0']),
    );
  });
});
