// The API reference (`npm run docs`, TypeDoc) stays buildable: TypeDoc converts the public entry
// (src/index.ts) with typedoc.json's validation (links that resolve, doc comments on exported
// declarations) and warns of nothing; every name the package exports has a doc comment, and so does every
// member of an exported class, interface or object type (a field, accessor or method a user reads, calls
// or implements, inherited ones included, and the fields of object types a member's type spells out).
// Converts without writing HTML.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  Application,
  type DeclarationReflection,
  Logger,
  LogLevel,
  ReflectionKind,
  type SomeType,
  TSConfigReader,
  TypeDocReader,
} from 'typedoc';
import { repoRoot } from '../helpers.js';

/** Keeps TypeDoc's messages for the failure report (and still counts them). */
class CollectingLogger extends Logger {
  readonly messages: string[] = [];

  override log(message: string, level: Exclude<LogLevel, LogLevel.None>): void {
    super.log(message, level);
    if (level >= LogLevel.Warn) this.messages.push(`${LogLevel[level]}: ${message}`);
  }
}

function hasDocComment(reflection: DeclarationReflection): boolean {
  return (
    reflection.hasComment() ||
    (reflection.signatures ?? []).some((signature) => signature.hasComment()) ||
    (reflection.getSignature?.hasComment() ?? false)
  );
}

/**
 * The members of an exported declaration: a class's or an interface's fields, accessors and methods
 * (constructors aside: the class's comment covers them), or those of a type alias of an object type.
 * Inherited members are included: TypeDoc copies their comment from where they are declared, which may be
 * a base class the package does not export.
 */
function declaredMembers(reflection: DeclarationReflection): DeclarationReflection[] {
  const isObjectAlias = reflection.kind === ReflectionKind.TypeAlias && reflection.type?.type === 'reflection';
  if (!reflection.kindOf([ReflectionKind.Class, ReflectionKind.Interface]) && !isObjectAlias) return [];
  const members =
    reflection.type?.type === 'reflection' ? (reflection.type.declaration.children ?? []) : (reflection.children ?? []);
  return members.filter((member) => member.kind !== ReflectionKind.Constructor);
}

/** The fields of the object types a member's type spells out (`{ file: string; error: ... }[]`, `{ ... } | null`). */
function objectFields(type: SomeType | undefined): DeclarationReflection[] {
  if (type === undefined) return [];
  if (type.type === 'array') return objectFields(type.elementType);
  if (type.type === 'union') return type.types.flatMap(objectFields);
  if (type.type === 'typeOperator') return objectFields(type.target);
  if (type.type !== 'reflection') return [];
  const fields = type.declaration.children ?? [];
  return [...fields, ...fields.flatMap((field) => objectFields(field.type))];
}

test('API reference: no TypeDoc warning, and every export and its members have a doc comment', async () => {
  const app = await Application.bootstrapWithPlugins({ options: join(repoRoot, 'typedoc.json') }, [
    new TypeDocReader(),
    new TSConfigReader(),
  ]);
  const logger = new CollectingLogger();
  app.logger = logger;
  const project = await app.convert();
  assert.ok(project, `TypeDoc could not convert the project:\n${logger.messages.join('\n')}`);
  app.validate(project);
  assert.deepEqual(logger.messages, [], 'TypeDoc warnings (broken links, undocumented declarations)');

  const exported = project.children ?? [];
  assert.ok(exported.length > 400, `the reference lists ${exported.length} exports; expected the whole public API`);
  const undocumented = exported.filter((reflection) => !hasDocComment(reflection)).map((reflection) => reflection.name);
  assert.deepEqual(undocumented, [], 'exported names without a doc comment');

  const members = exported.flatMap((reflection) =>
    declaredMembers(reflection).flatMap((member) => [
      { owner: reflection.name, member },
      ...objectFields(member.type).map((field) => ({ owner: `${reflection.name}.${member.name}`, member: field })),
    ]),
  );
  assert.ok(members.length > 600, `${members.length} members checked; expected every exported class's and interface's`);
  const undocumentedMembers = members
    .filter(({ member }) => !hasDocComment(member))
    .map(({ owner, member }) => `${owner}.${member.name}`);
  assert.deepEqual(undocumentedMembers, [], 'members of exported classes and interfaces without a doc comment');
});
