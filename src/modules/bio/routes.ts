import type { FastifyInstance } from 'fastify';

export async function territoiresRoutes(_app: FastifyInstance): Promise<void> {}
