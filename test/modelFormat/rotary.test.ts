import * as assert from 'node:assert/strict';
import { openModelFolder } from '../../src/modelFormat/modelFolder';
import { readRotary } from '../../src/modelFormat/rotary';
import { FAMILIES, type FamilyId } from '../modelgen/families';
import { ropeTables, SHAPES } from '../modelgen/weights';
import { familyModel, tinyModel } from '../support/tinyModels';

/** The generator's own angle per pair at position 1 (its tables, as the graphs hold them). */
function generatorAngles(shape: Parameters<typeof ropeTables>[0]): number[] {
  const { cos, sin } = ropeTables(shape, 2);
  const half = cos.length / 2;
  return Array.from({ length: half }, (_, i) => Math.atan2(sin[half + i], cos[half + i]));
}

describe('readRotary', function () {
  this.timeout(120_000);

  const cases: [string, () => Promise<string>, Parameters<typeof ropeTables>[0]][] = [
    ['qwen2.5-coder tiny', () => tinyModel('standard', 'fp32'), SHAPES.tiny],
    ...(Object.keys(FAMILIES) as FamilyId[]).map((f): [string, () => Promise<string>, Parameters<typeof ropeTables>[0]] => [f, () => familyModel(f), FAMILIES[f].shape]),
  ];
  for (const [label, dir, shape] of cases) {
    it(`${label}: config.json gives the angles the graph turns keys by (scaling and partial rotary included)`, async () => {
      const { config } = openModelFolder(await dir());
      assert.ok(config.rotary, config.rotaryUnsupported);
      assert.equal(config.rotary.dims, shape.rotaryDims ?? shape.headDim);
      const angles = generatorAngles(shape);
      assert.equal(config.rotary.invFreq.length, angles.length);
      config.rotary.invFreq.forEach((f, i) => assert.ok(Math.abs(f - angles[i]) <= 1e-6 * Math.max(1, f), `pair ${i}: ${f} vs ${angles[i]}`));
    });
  }

  it('refuses what it cannot move, saying why', () => {
    assert.match(readRotary({ rope_scaling: { rope_type: 'dynamic', factor: 2 } }, 'llama', 64) as string, /dynamic.*sequence length/);
    assert.match(readRotary({ rope_scaling: { type: 'yarn', factor: 4 } }, 'qwen2', 64) as string, /yarn/);
    assert.match(readRotary({}, 'deepseek_v2', 64) as string, /deepseek_v2/);
    assert.match(readRotary({ rope_scaling: { type: 'longrope', short_factor: [1, 2] } }, 'phi3', 64) as string, /one factor per rotary pair \(32\)/);
    assert.deepEqual(readRotary({ rope_theta: 10000 }, 'llama', 4), { dims: 4, invFreq: Float64Array.from([1, 0.01]) });
  });
});
