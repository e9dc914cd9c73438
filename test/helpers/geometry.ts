import assert from 'node:assert/strict';

/**
 * Every coordinate of `a` within `tol` degrees of `b`, same nesting: how the conformance tests
 * compare Terroir's geometries and bboxes with recorded answers (1e-6° ≈ 0.1 m).
 */
export function assertClose(a: unknown, b: unknown, where: string, tol = 1e-6): void {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= tol, `${where}: ${a} vs ${b}`);
    return;
  }
  assert.ok(Array.isArray(a) && Array.isArray(b), `${where}: array expected`);
  assert.equal(a.length, b.length, `${where}: length`);
  a.forEach((x, i) => assertClose(x, (b as unknown[])[i], `${where}[${i}]`, tol));
}
