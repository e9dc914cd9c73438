/**
 * Route schemas compiled on a route's first request instead of at start-up.
 *
 * Fastify compiles every route's validator (ajv) and response serializer (fast-json-stringify) while
 * the routes are registered: with ~150 routes that was the largest part of building the application
 * at start-up, profiled on 2026-12-03 (`node --cpu-prof`, docs/startup.md): of 2.5 s of CPU,
 * 1.1 s in @fastify/ajv-compiler and 0.6 s in fast-json-stringify. Most routes of a given
 * deployment are never called in a process's life; each one called pays its compilation once
 * (a few milliseconds). These factories wrap Fastify's own compilers, so validation and serialisation
 * are exactly Fastify's; only the moment of compilation changes. `eager` (tests, `compileAll`) keeps
 * the start-up check that every schema compiles.
 *
 * One difference Fastify makes for any custom compiler: a `headers` schema is not lower-cased for it.
 * No route declares one (headers are read by the access hooks); a new one must use lower-case names.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

const require = createRequire(import.meta.url);

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serialize = (data: unknown) => string;
type RouteSchema = Record<string, unknown>;
type ValidatorFactory = (externalSchemas: unknown, ajvOptions: unknown) => (route: RouteSchema) => Validate;
type SerializerFactory = (externalSchemas: unknown, serializerOptions: unknown) => (route: RouteSchema) => Serialize;
/** Fastify's option type; its compilers are typed per ajv flavour, ours forward whatever ajv's would get. */
type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

// Fastify's own compilers, the ones it uses when given none (declared dependencies, same majors as Fastify's).
const ajvCompiler = require('@fastify/ajv-compiler') as () => ValidatorFactory;
const { SerializerSelector } = require('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory };

/** `compile` run once, on the first call of the returned function; listed in `pending` until then. */
function once<T>(compile: () => T, pending: Set<() => void>): () => T {
  let real: T | undefined;
  const ensure = () => {
    real ??= compile();
    pending.delete(ensure);
    return real;
  };
  pending.add(ensure);
  return ensure;
}

/** A validator that compiles on its first call; ajv's `errors` are copied where Fastify reads them. */
function lazyValidator(compile: () => Validate, pending: Set<() => void>): Validate {
  const ensure = once(compile, pending);
  const validate: Validate = (data, context) => {
    const v = ensure();
    // Fastify passes the parent object when the validator says it is ajv's (`schemaEnv`): ajv can then
    // replace a root value it coerces or defaults. Passed on as Fastify would have.
    const ok = context !== undefined && v.schemaEnv ? v(data, context) : v(data);
    validate.errors = v.errors;
    return ok;
  };
  validate.schemaEnv = true;
  return validate;
}

function lazySerializer(compile: () => Serialize, pending: Set<() => void>): Serialize {
  const ensure = once(compile, pending);
  return (data) => ensure()(data);
}

/**
 * Fastify's `schemaController.compilersFactory`, lazy; `compileAll()` compiles whatever is still
 * pending (a schema that does not compile then throws, as it would have at registration).
 */
export function lazySchemaCompilers() {
  const pending = new Set<() => void>();
  const validators = ajvCompiler();
  const serializers = SerializerSelector();
  return {
    compilersFactory: {
      buildValidator: (externalSchemas: unknown, ajvOptions: unknown) => {
        const compile = validators(externalSchemas, ajvOptions);
        return (route: RouteSchema) => lazyValidator(() => compile(route), pending);
      },
      buildSerializer: (externalSchemas: unknown, serializerOptions: unknown) => {
        const compile = serializers(externalSchemas, serializerOptions);
        return (route: RouteSchema) => lazySerializer(() => compile(route), pending);
      },
    } as unknown as CompilersFactory,
    compileAll() {
      for (const ensure of [...pending]) ensure();
    },
    get pending() {
      return pending.size;
    },
  };
}
