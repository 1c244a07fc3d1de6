// For unit tests only: the enums of openapi.yaml (and of the emulator's control spec) as written
// there, so that a label map can be compared with the contract (a code the spec gains and the
// console does not say fails a test).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');
const SPEC = readFileSync(resolve(ROOT, 'openapi.yaml'), 'utf8');
const EMULATOR_SPEC = readFileSync(resolve(ROOT, 'adapters', 'wechat', 'emulator', 'control.openapi.yaml'), 'utf8');

/** One schema of components.schemas, from its name to the next schema's. */
function schemaBody(schema: string, spec = SPEC): string {
  const start = spec.indexOf(`\n    ${schema}:\n`);
  if (start < 0) throw new Error(`no schema ${schema} in the spec`);
  const rest = spec.slice(start + 1);
  const end = rest.slice(1).search(/\n {4}\S/); // the next schema
  return rest.slice(0, end < 0 ? undefined : end + 1);
}

/** The first enum in text: inline ([a, b], over lines too) or as a block list (- a). */
function firstEnum(text: string, where: string): string[] {
  const inline = /\benum: \[([^\]]*)\]/.exec(text);
  const block = /\benum:\n((?:\s+- .+\n?)+)/.exec(text);
  const pick = inline && (!block || inline.index < block.index) ? inline : block;
  if (!pick) throw new Error(`no enum for ${where} in the spec`);
  const list = pick === inline ? (pick[1] ?? '').split(',') : (pick[1] ?? '').split('\n').map((l) => l.replace(/^\s*- /, ''));
  return list.map((x) => x.trim()).filter((x) => x !== '');
}

/** The enum of a schema that is an enum itself (OrderStatus, ProductKind, ProblemCode…). */
export function schemaEnum(schema: string, spec = SPEC): string[] {
  return firstEnum(schemaBody(schema, spec), schema);
}

/** The enum of one property of one schema (written as a block or inline: `name: { … }`), or
 * the first enum within it (a property that is an array of objects). */
export function propertyEnum(schema: string, property: string, spec = SPEC): string[] {
  const body = schemaBody(schema, spec);
  const at = body.search(new RegExp(`\\n {8}${property}:[\\n ]`));
  if (at < 0) throw new Error(`no ${schema}.${property} in the spec`);
  return firstEnum(body.slice(at), `${schema}.${property}`);
}

/** The same, in the emulator's control spec (adapters/wechat/emulator/control.openapi.yaml). */
export const emulatorSchemaEnum = (schema: string): string[] => schemaEnum(schema, EMULATOR_SPEC);
export const emulatorPropertyEnum = (schema: string, property: string): string[] => propertyEnum(schema, property, EMULATOR_SPEC);
