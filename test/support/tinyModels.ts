/** The generated models the integration tests run on (test/modelgen), cached between runs. */
import * as path from 'node:path';
import { FAMILIES, type FamilyId, type FamilyVariant } from '../modelgen/families';
import { ensureTestModel, type GraphStyle } from '../modelgen/testModels';

export const REPO_ROOT = path.join(__dirname, '../..');
export const ENGINE_CACHE = path.join(REPO_ROOT, '.cache/engine');
export const WORKER_PATH = path.join(REPO_ROOT, 'dist/worker.js');

export type TestPrecision = 'fp32' | 'q4';

export const VARIANTS: { style: GraphStyle; precision: TestPrecision }[] = [
  { style: 'standard', precision: 'fp32' },
  { style: 'standard', precision: 'q4' },
  { style: 'gqa', precision: 'fp32' },
  { style: 'gqa', precision: 'q4' },
];

export function tinyModel(style: GraphStyle = 'standard', precision: TestPrecision | 'q4-acc0' = 'q4'): Promise<string> {
  return ensureTestModel({ size: 'tiny', style, precision });
}

/** A family's generated model (families.ts), in one of the variants its exports come in. */
export function familyModel(family: FamilyId, variant: FamilyVariant = FAMILIES[family].variants[0]): Promise<string> {
  return ensureTestModel({ family, ...variant });
}

/** Every variant of every family, labelled `family style/precision[/merged]`. */
export function familyVariants(): { family: FamilyId; variant: FamilyVariant; label: string }[] {
  return Object.values(FAMILIES).flatMap((f) =>
    f.variants.map((variant) => ({ family: f.id, variant, label: `${f.id} ${variant.style}/${variant.precision}${variant.layout === 'merged' ? '/merged' : ''}` })),
  );
}
