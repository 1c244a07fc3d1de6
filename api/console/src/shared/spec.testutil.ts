// For unit tests only: the enums of openapi.yaml as written there, so that a label map can be
// compared with the contract (a code the spec gains and the console does not say fails a test).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const SPEC = readFileSync(resolve(import.meta.dirname, '..', '..', '..', '..', 'openapi.yaml'), 'utf8');

/** One schema of components.schemas, from its name to the next schema's. */
function schemaBody(schema: string): string {
  const start = SPEC.indexOf(`\n    ${schema}:\n`);
  if (start < 0) throw new Error(`no schema ${schema} in openapi.yaml`);
  const rest = SPEC.slice(start + 1);
  const end = rest.slice(1).search(/\n {4}\S/); // the next schema
  return rest.slice(0, end < 0 ? undefined : end + 1);
}

/** The first enum in text: inline ([a, b], over lines too) or as a block list (- a). */
function firstEnum(text: string, where: string): string[] {
  const inline = /\benum: \[([^\]]*)\]/.exec(text);
  const block = /\benum:\n((?:\s+- .+\n?)+)/.exec(text);
  const pick = inline && (!block || inline.index < block.index) ? inline : block;
  if (!pick) throw new Error(`no enum for ${where} in openapi.yaml`);
  const list = pick === inline ? (pick[1] ?? '').split(',') : (pick[1] ?? '').split('\n').map((l) => l.replace(/^\s*- /, ''));
  return list.map((x) => x.trim()).filter((x) => x !== '');
}

/** The enum of a schema that is an enum itself (OrderStatus, ProductKind, ProblemCode…). */
export function schemaEnum(schema: string): string[] {
  return firstEnum(schemaBody(schema), schema);
}

/** The enum of one property of one schema. */
export function propertyEnum(schema: string, property: string): string[] {
  const body = schemaBody(schema);
  const at = body.indexOf(`\n        ${property}:\n`);
  if (at < 0) throw new Error(`no ${schema}.${property} in openapi.yaml`);
  return firstEnum(body.slice(at), `${schema}.${property}`);
}
