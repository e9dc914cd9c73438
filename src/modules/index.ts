import type { FastifyInstance } from 'fastify';
import codesPostaux from './codes-postaux/index.ts';

export interface TerroirModule {
  /** Public name: URL prefix `/api/<name>` and OpenAPI file `/api/doc/<name>.yml`. */
  name: string;
  description: string;
  plugin: (app: FastifyInstance) => Promise<void>;
}

/** Every module the service mounts, in documentation order. */
export const MODULES: TerroirModule[] = [codesPostaux];
