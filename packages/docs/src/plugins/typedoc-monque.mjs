// @ts-check
/**
 * TypeDoc plugin for the API reference, loaded by TypeDoc itself (so it is plain JavaScript):
 * names the two entry points after their import paths and runs TypeDoc's validation (unresolved
 * `{@link}`s, referenced but unexported types), whose warnings the strict wrapper turns into a
 * failed build.
 */
import { Converter, ReflectionKind } from 'typedoc';

/** Module names TypeDoc derives from the entry point paths, and the import paths they stand for. */
const MODULE_NAMES = new Map([
  ['index', '@monque/core'],
  ['testing', '@monque/core/testing'],
]);

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(
    Converter.EVENT_RESOLVE_BEGIN,
    (context) => {
      for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
        const name = MODULE_NAMES.get(module.name);
        if (name !== undefined) {
          module.name = name;
        }
      }
    },
    100,
  );
  app.converter.on(Converter.EVENT_END, (context) => {
    app.validate(context.project);
  });
}
