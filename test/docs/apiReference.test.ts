// The API reference (`npm run docs`, TypeDoc) stays buildable: TypeDoc converts the public entry
// (src/index.ts) with typedoc.json's validation (links that resolve, doc comments on exported
// declarations) and warns of nothing, and every name the package exports has a doc comment (TypeDoc's
// own check would also demand one on every method of every interface). Converts without writing HTML.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Application, Logger, LogLevel, TSConfigReader, TypeDocReader, type DeclarationReflection } from 'typedoc';
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
  return reflection.hasComment() || (reflection.signatures ?? []).some((signature) => signature.hasComment());
}

test('API reference: TypeDoc builds it without warnings, and every export has a doc comment', async () => {
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
});
