// Checks an HTTP answer against the operation openapi.yaml declares for it: the status must
// be one the operation lists, the content type one that status lists, and the body must
// match that media type's schema (or be empty where the contract declares no content).
//
// ajv does the schema work. OpenAPI 3.0 schemas are almost JSON Schema; the differences
// this contract could use are translated below, and ajv runs in strict mode so that a
// keyword it does not understand fails loudly instead of being silently ignored.
import { readFileSync } from 'fs';
import { parse } from 'yaml';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface Operation {
  responses: Record<string, Obj>;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  op: Operation;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const SCHEMAS_ID = 'openapi-components';

/** OpenAPI 3.0 Schema Object → JSON Schema (draft-07, which ajv's default speaks). */
function toJsonSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'example') continue; // documentation only
    if (k.startsWith('x-')) continue; // OpenAPI extensions (x-enum-varnames: names for generated code)
    if (k === '$ref' && typeof v === 'string') {
      out.$ref = v.replace('#/components/schemas/', `${SCHEMAS_ID}#/definitions/`);
    } else if (k === 'nullable') {
      continue; // applied to `type` below
    } else {
      out[k] = toJsonSchema(v);
    }
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

export class Contract {
  private readonly doc: Obj;
  private readonly ajv: Ajv;
  private readonly routes: Route[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(specPath: string) {
    this.doc = parse(readFileSync(specPath, 'utf8')) as Obj;
    this.ajv = new Ajv({ strict: true, allErrors: true });
    addFormats(this.ajv);
    // OpenAPI's integer formats; JSON numbers beyond 2^53 would already be wrong in JavaScript.
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
    const components = (this.doc.components ?? {}) as Obj;
    this.ajv.addSchema({ $id: SCHEMAS_ID, definitions: toJsonSchema(components.schemas ?? {}) });

    for (const [template, item] of Object.entries(this.doc.paths as Obj)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, op] of Object.entries(item as Obj)) {
        if (METHODS.includes(method)) this.routes.push({ method, template, pattern, op: op as unknown as Operation });
      }
    }
  }

  /** The operation for a request, e.g. ('GET', 'http://host/v1/orders/1?x=y'). */
  private route(method: string, url: string): Route | undefined {
    const path = new URL(url).pathname;
    return this.routes.find((r) => r.method === method.toLowerCase() && r.pattern.test(path));
  }

  private deref(obj: Obj): Obj {
    const ref = obj.$ref;
    if (typeof ref !== 'string') return obj;
    let target: Json = this.doc;
    for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Obj)[part];
    return this.deref(target as Obj);
  }

  /**
   * Every way the answer breaks the contract; empty when it keeps it.
   * `contentType` is the raw Content-Type header (or undefined), `body` the raw text.
   */
  check(method: string, url: string, status: number, contentType: string | undefined, body: string): string[] {
    const r = this.route(method, url);
    const where = `${method.toUpperCase()} ${new URL(url).pathname} → ${status}`;
    if (!r) return [`${where}: no such operation in openapi.yaml`];
    const declared = r.op.responses[String(status)] ?? r.op.responses[`${String(status)[0]}XX`] ?? r.op.responses.default;
    if (!declared) return [`${where}: status not declared (declared: ${Object.keys(r.op.responses).join(', ')})`];
    const response = this.deref(declared);
    const content = response.content as Obj | undefined;
    if (!content) return body === '' ? [] : [`${where}: the contract declares no body, got ${JSON.stringify(body.slice(0, 200))}`];

    const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
    const mediaType = content[media] as Obj | undefined;
    if (!mediaType) return [`${where}: content type ${JSON.stringify(contentType)} not declared (declared: ${Object.keys(content).join(', ')})`];
    if (!mediaType.schema) return [];
    // A binary body (an image) has no JSON schema to check: its declared type is the check.
    if (!/[/+]json$/.test(media)) return [];

    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      return [`${where}: ${media} body is not JSON: ${JSON.stringify(body.slice(0, 200))}`];
    }
    const key = `${r.method} ${r.template} ${status} ${media}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(mediaType.schema) as object);
      this.compiled.set(key, validate);
    }
    if (validate(data)) return [];
    return (validate.errors ?? []).map((e) => `${where}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
