/**
 * The OGC tests' territory: a small demo (2 communes, campaigns 2022 and 2023) on this run's
 * backend, generated once per test file, served by the real app.
 */
import { testApp, type TestApp } from '../helpers/app.ts';
import { generateDemo } from '../../src/demo/index.ts';

export const DEMO = { seed: 5, communes: 2, annees: [2022, 2023] };

export async function ogcApp(): Promise<TestApp> {
  const t = await testApp();
  await generateDemo(t.db, DEMO);
  return t;
}
