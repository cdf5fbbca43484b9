import type { Document } from 'bson';
import { badValue, CommandError, ErrorCode, notSupported } from '../../errors.js';
import { explainAggregate } from '../../explain/aggregate.js';
import { explainQueryCommand, type QueryRun } from '../../explain/query.js';
import type { Verbosity } from '../../explain/reply.js';
import { countStage, writeStage } from '../../explain/stages.js';
import { isPlainDocument } from '../../query/bson-types.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryTrace } from '../../storage/query-executor.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { MONGODB_7_COMMANDS } from '../mongodb-commands.js';
import { isFastCount, parseCount, runCount } from './count.js';
import { deleteTargets, parseDeleteCommand, parseDeleteStatement } from './delete.js';
import { parseDistinct, runDistinct } from './distinct.js';
import { parseFind, runFind } from './find.js';
import { dryRunFindAndModify, parseFindAndModify } from './find-and-modify.js';
import { arrayField, checkFields } from './options.js';
import { dryRunUpdate, parseUpdateCommand, parseUpdateStatement } from './update.js';

const VERBOSITIES: readonly Verbosity[] = ['queryPlanner', 'executionStats', 'allPlansExecution'];

/** Commands MongoDB explains that the emulator does not. */
const UNSUPPORTED_EXPLAINS = new Set(['mapReduce', 'mapreduce']);

/** The `verbosity` of an explain (MongoDB's default is `allPlansExecution`). */
export function parseVerbosity(value: unknown): Verbosity {
  if (value === undefined) return 'allPlansExecution';
  if (typeof value !== 'string' || !VERBOSITIES.includes(value as Verbosity)) {
    throw badValue(
      `Enumeration value '${String(value)}' for field 'explain.verbosity' is not a valid value.`,
    );
  }
  return value as Verbosity;
}

function collectionOf(context: CommandContext, name: string): Collection | undefined {
  return context.engine.collection(context.dbName, name);
}

function single(command: Document, field: 'updates' | 'deletes', name: string): unknown {
  const statements = arrayField(command, field, name);
  if (statements.length !== 1) {
    throw new CommandError(ErrorCode.InvalidLength, 'explained write batches must be of size 1');
  }
  return statements[0];
}

/** Runs the explained command's query part (writes only as a dry run) and describes it. */
function explainInner(
  inner: Document,
  name: string,
  context: CommandContext,
  verbosity: Verbosity,
): Document {
  /** Explains the query part of a command on collection `collectionName`. */
  const explainOn = (
    collectionName: string,
    run: (trace: QueryTrace, collection: Collection | undefined) => QueryRun,
  ): Document => {
    const collection = collectionOf(context, collectionName);
    return explainQueryCommand(
      inner,
      context,
      verbosity,
      collection,
      (trace) => run(trace, collection),
      collectionName,
    );
  };
  switch (name) {
    case 'find': {
      const query = parseFind(inner, context);
      return explainOn(query.name, (trace, collection) => {
        runFind(query, collection, trace);
        return {
          query: {
            filter: query.filter ?? {},
            sort: query.sortSpec,
            skip: query.skip,
            limit: query.limit,
            projection: query.projectionSpec,
          },
        };
      });
    }
    case 'count': {
      const query = parseCount(inner, context);
      return explainOn(query.name, (trace, collection) => {
        const counted = runCount(query, collection, trace);
        const fast = isFastCount(query);
        const matched = fast ? (collection?.size ?? 0) : trace.matched;
        return {
          query: { filter: query.query ?? {}, skip: 0 },
          wrap: (plan) =>
            countStage(fast ? undefined : plan, counted, Math.min(query.skip, matched)),
        };
      });
    }
    case 'distinct': {
      const query = parseDistinct(inner, context);
      return explainOn(query.name, (trace, collection) => {
        runDistinct(query, collection, trace);
        return { query: { filter: query.query ?? {}, skip: 0 } };
      });
    }
    case 'findAndModify':
    case 'findandmodify': {
      const request = parseFindAndModify(inner, context);
      return explainOn(request.name, (trace, collection) => {
        const counts = dryRunFindAndModify(request, collection, context.clock, trace);
        return {
          query: {
            filter: request.filter,
            sort: request.sortSpec,
            skip: 0,
            limit: 1,
            limitInWrite: true,
          },
          wrap: (plan) => writeStage(request.remove ? 'DELETE' : 'UPDATE', plan, counts),
        };
      });
    }
    case 'update': {
      const { name, variables } = parseUpdateCommand(inner, context);
      const statement = parseUpdateStatement(single(inner, 'updates', 'update'), variables);
      return explainOn(name, (trace, collection) => {
        const counts = dryRunUpdate(statement, collection, context.clock, trace);
        return {
          query: { filter: statement.spec.filter, skip: 0 },
          wrap: (plan) => writeStage('UPDATE', plan, counts),
        };
      });
    }
    case 'delete': {
      const { name, variables } = parseDeleteCommand(inner, context);
      const statement = parseDeleteStatement(single(inner, 'deletes', 'delete'), variables);
      return explainOn(name, (trace, collection) => {
        const targets = deleteTargets(statement, collection, trace);
        return {
          query: { filter: statement.filter, skip: 0 },
          wrap: (plan) => writeStage('DELETE', plan, { nWouldDelete: targets.length }),
        };
      });
    }
    case 'aggregate':
      return explainAggregate(inner, context, verbosity);
    default:
      if (UNSUPPORTED_EXPLAINS.has(name)) throw notSupported(`explain of '${name}'`);
      if (MONGODB_7_COMMANDS.includes(name)) {
        throw new CommandError(ErrorCode.IllegalOperation, `Cannot explain cmd: ${name}`);
      }
      throw new CommandError(
        ErrorCode.CommandNotFound,
        `Explain failed due to unknown command: ${name}`,
      );
  }
}

/**
 * `explain` of `find`, `count`, `distinct`, `aggregate`, `update`, `delete` and `findAndModify`:
 * the plan the emulator's planner chose, in MongoDB 7's classic-engine vocabulary (`COLLSCAN`,
 * `IDHACK`, `IXSCAN` with its bounds under `FETCH`, `OR`, `SORT`, `SKIP`, `LIMIT`, `PROJECTION_*`,
 * `COUNT`, `UPDATE`, `DELETE`, `EOF`), and with `executionStats` what running it examined and
 * returned. Writes are not applied: their stage reports what they would do.
 */
export const explain: CommandHandler = (command, context) => {
  checkFields(command, 'explain', ['verbosity']);
  const inner = command.explain;
  if (!isPlainDocument(inner)) throw badValue('explain command requires a nested object');
  const verbosity = parseVerbosity(command.verbosity);
  const name = Object.keys(inner)[0] ?? '';
  return explainInner({ ...inner }, name, context, verbosity);
};
