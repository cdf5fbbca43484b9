import { adminCommands } from './admin/index.js';
import { NOT_SUPPORTED_COMMANDS, notSupportedCommand } from './admin/not-supported.js';
import type { ServerCommandHandler } from './admin/server-context.js';
import { crudCommands } from './crud/index.js';

/** A command the server knows. */
export interface RegisteredCommand {
  /** MongoDB's own name of the command (fail points match on it): `hello` for `isMaster`. */
  readonly name: string;
  readonly handler: ServerCommandHandler;
}

/** Other names MongoDB accepts for a command, alias → name. */
const ALIASES: Readonly<Record<string, string>> = {
  isMaster: 'hello',
  ismaster: 'hello',
  buildinfo: 'buildInfo',
  findandmodify: 'findAndModify',
  mapreduce: 'mapReduce',
  dbstats: 'dbStats',
};

/**
 * Command name → handler: the server's own commands, the storage (CRUD) commands, and the commands
 * answered as not supported. Names match case-sensitively, as in MongoDB (aliases such as
 * `isMaster`/`ismaster` are separate entries).
 */
export class CommandRegistry {
  private readonly commands = new Map<string, RegisteredCommand>();

  constructor(
    sources: {
      admin?: Readonly<Record<string, ServerCommandHandler>>;
      crud?: Readonly<Record<string, ServerCommandHandler>>;
      notSupported?: readonly string[];
    } = {},
  ) {
    const admin = sources.admin ?? adminCommands;
    const crud = sources.crud ?? crudCommands;
    for (const name of sources.notSupported ?? NOT_SUPPORTED_COMMANDS) {
      // An alias answers as the command it names.
      if (!Object.hasOwn(ALIASES, name)) this.add(name, notSupportedCommand(name));
    }
    for (const [name, handler] of Object.entries(crud)) this.add(name, handler);
    for (const [name, handler] of Object.entries(admin)) this.add(name, handler);
    for (const [alias, name] of Object.entries(ALIASES)) {
      const target = this.commands.get(name);
      if (target !== undefined && !this.commands.has(alias)) this.commands.set(alias, target);
    }
  }

  /** The command invoked as `name`, or undefined when MongoDB would answer CommandNotFound. */
  lookup(name: string): RegisteredCommand | undefined {
    return this.commands.get(name);
  }

  /** Every name the registry answers to. */
  names(): string[] {
    return [...this.commands.keys()];
  }

  private add(name: string, handler: ServerCommandHandler): void {
    this.commands.set(name, { name: ALIASES[name] ?? name, handler });
  }
}
