import { join } from 'node:path';
import ts from 'typescript';
import { repositoryRoot } from './repository.ts';

/** The public entry points of `@monque/core`, by import path. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  '@monque/core': join(repositoryRoot, 'packages/core/src/index.ts'),
  '@monque/core/testing': join(repositoryRoot, 'packages/core/src/testing/index.ts'),
};

/** A property of an interface or class, as its source declares it. */
export interface PropertyFact {
  readonly name: string;
  /** The declared type, as written in the source. */
  readonly type: string;
  readonly optional: boolean;
  /** The TSDoc comment, on one line. */
  readonly doc: string;
}

/** One event of `MonqueEventMap`. */
export interface EventFact {
  readonly name: string;
  /** The listener's parameters, as written in the map: `[job: Job]` → `job: Job`. */
  readonly parameters: readonly { readonly name: string; readonly type: string }[];
  readonly doc: string;
}

/** A named payload type an event passes (such as `JobCompleteEvent`) and its fields. */
export interface PayloadFact {
  readonly name: string;
  readonly fields: readonly PropertyFact[];
}

/** An error class the package exports. */
export interface ErrorFact {
  readonly name: string;
  /** The import path it is exported from. */
  readonly from: string;
  /** The class it extends, as written in the source. */
  readonly extends: string;
  /** Its public properties besides `name` and `message`. */
  readonly properties: readonly PropertyFact[];
  readonly doc: string;
}

/** What the source says about the public API, read with the TypeScript compiler. */
export interface ApiFacts {
  /** The export names of each entry point. */
  readonly exports: Readonly<Record<string, readonly string[]>>;
  /** The properties of `MonqueOptions`. */
  readonly options: readonly PropertyFact[];
  readonly events: readonly EventFact[];
  readonly payloads: readonly PayloadFact[];
  /** Every exported class (to be matched against the runtime exports that are errors). */
  readonly classes: ReadonlyMap<string, Omit<ErrorFact, 'from'>>;
}

/** A TSDoc comment on one line, `{@link X}` written as `` `X` ``. */
export function oneLine(text: string): string {
  return text
    .replace(/\{@link\s+([^}|\s]+)\s*(?:\|\s*([^}]+))?\}/g, (_, target: string, label?: string) =>
      label === undefined ? `\`${target}\`` : label.trim(),
    )
    .replace(/\s+/g, ' ')
    .trim();
}

function documentation(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  return oneLine(ts.displayPartsToString(symbol.getDocumentationComment(checker)));
}

function resolveAlias(symbol: ts.Symbol, checker: ts.TypeChecker): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function declaredTypeText(symbol: ts.Symbol, checker: ts.TypeChecker, at: ts.Node): string {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (
    declaration !== undefined &&
    (ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration)) &&
    declaration.type !== undefined
  ) {
    return declaration.type.getText().replace(/\s+/g, ' ');
  }
  return checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, at));
}

function propertiesOf(type: ts.Type, checker: ts.TypeChecker, at: ts.Node): PropertyFact[] {
  return checker.getPropertiesOfType(type).map((property) => ({
    name: property.name,
    type: declaredTypeText(property, checker, at),
    optional: (property.flags & ts.SymbolFlags.Optional) !== 0,
    doc: documentation(property, checker),
  }));
}

function readEvents(
  eventMap: ts.Symbol,
  checker: ts.TypeChecker,
  exported: ReadonlySet<string>,
): { events: EventFact[]; payloads: PayloadFact[] } {
  const declaration = eventMap.declarations?.[0];
  if (declaration === undefined) throw new Error('MonqueEventMap has no declaration');
  const mapType = checker.getDeclaredTypeOfSymbol(eventMap);
  const events: EventFact[] = [];
  const payloads = new Map<string, PayloadFact>();
  for (const property of checker.getPropertiesOfType(mapType)) {
    const propertyDeclaration = property.valueDeclaration ?? property.declarations?.[0];
    const typeNode =
      propertyDeclaration !== undefined && ts.isPropertySignature(propertyDeclaration)
        ? propertyDeclaration.type
        : undefined;
    const parameters: { name: string; type: string }[] = [];
    if (typeNode !== undefined && ts.isTupleTypeNode(typeNode)) {
      typeNode.elements.forEach((element, index) => {
        const [name, elementType] = ts.isNamedTupleMember(element)
          ? [element.name.text, element.type]
          : [`arg${index}`, element];
        parameters.push({ name, type: elementType.getText().replace(/\s+/g, ' ') });
        // A payload of a named, exported type: list its fields.
        const referenced = ts.isTypeReferenceNode(elementType)
          ? elementType.typeName.getText()
          : undefined;
        if (referenced !== undefined && exported.has(referenced) && !payloads.has(referenced)) {
          const fieldsType = checker.getTypeFromTypeNode(elementType);
          if (!(fieldsType.flags & ts.TypeFlags.Object) && !fieldsType.isUnion()) return;
          payloads.set(referenced, {
            name: referenced,
            fields: propertiesOf(fieldsType, checker, elementType),
          });
        }
      });
    } else {
      const type = checker.getTypeOfSymbolAtLocation(property, declaration);
      parameters.push({ name: 'args', type: checker.typeToString(type) });
    }
    events.push({ name: property.name, parameters, doc: documentation(property, checker) });
  }
  return { events, payloads: [...payloads.values()] };
}

function readClass(
  symbol: ts.Symbol,
  checker: ts.TypeChecker,
): Omit<ErrorFact, 'from'> | undefined {
  const declaration = symbol.declarations?.find(ts.isClassDeclaration);
  if (declaration === undefined) return undefined;
  const heritage = declaration.heritageClauses?.find(
    (clause) => clause.token === ts.SyntaxKind.ExtendsKeyword,
  );
  const properties: PropertyFact[] = [];
  for (const member of declaration.members) {
    if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
    const modifiers = ts.getModifiers(member) ?? [];
    const hidden = modifiers.some(
      (modifier) =>
        modifier.kind === ts.SyntaxKind.PrivateKeyword ||
        modifier.kind === ts.SyntaxKind.ProtectedKeyword ||
        modifier.kind === ts.SyntaxKind.StaticKeyword,
    );
    if (hidden || member.name.text === 'name' || member.name.text === 'message') continue;
    const memberSymbol = checker.getSymbolAtLocation(member.name);
    properties.push({
      name: member.name.text,
      type: member.type?.getText().replace(/\s+/g, ' ') ?? 'unknown',
      optional: member.questionToken !== undefined,
      doc: memberSymbol === undefined ? '' : documentation(memberSymbol, checker),
    });
  }
  return {
    name: symbol.name,
    extends: heritage?.types[0]?.expression.getText() ?? '',
    properties,
    doc: documentation(symbol, checker),
  };
}

let cached: ApiFacts | undefined;

/**
 * Reads the public API from the core package's sources: the exports of both entry points, the
 * options interface, the event map (whatever events it declares now) with its payload types, and
 * the exported classes.
 */
export function readApiFacts(): ApiFacts {
  if (cached !== undefined) return cached;
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(repositoryRoot, 'packages/core/tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  const program = ts.createProgram({
    rootNames: Object.values(ENTRY_POINTS),
    options: { ...parsed?.options, noEmit: true },
  });
  const checker = program.getTypeChecker();
  const exports: Record<string, string[]> = {};
  const symbols = new Map<string, ts.Symbol>();
  for (const [specifier, path] of Object.entries(ENTRY_POINTS)) {
    const sourceFile = program.getSourceFile(path);
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (moduleSymbol === undefined) throw new Error(`cannot read the exports of ${path}`);
    const names: string[] = [];
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      names.push(symbol.name);
      symbols.set(symbol.name, resolveAlias(symbol, checker));
    }
    exports[specifier] = names.sort();
  }
  const exported = new Set(symbols.keys());
  const optionsSymbol = symbols.get('MonqueOptions');
  const eventMap = symbols.get('MonqueEventMap');
  if (optionsSymbol === undefined || eventMap === undefined) {
    throw new Error('@monque/core exports no MonqueOptions or no MonqueEventMap');
  }
  const optionsDeclaration = optionsSymbol.declarations?.[0];
  if (optionsDeclaration === undefined) throw new Error('MonqueOptions has no declaration');
  const options = propertiesOf(
    checker.getDeclaredTypeOfSymbol(optionsSymbol),
    checker,
    optionsDeclaration,
  );
  const classes = new Map<string, Omit<ErrorFact, 'from'>>();
  for (const [name, symbol] of symbols) {
    const fact = readClass(symbol, checker);
    if (fact !== undefined) classes.set(name, fact);
  }
  cached = { exports, options, ...readEvents(eventMap, checker, exported), classes };
  return cached;
}
