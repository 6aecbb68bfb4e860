/** Weight precisions of the onnx-community layout, by file-name suffix (FACTS.md). */
export type Precision = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16' | 'bnb4';
export type PrecisionChoice = Precision | 'auto';

export const SUFFIXES: Record<Precision, string[]> = {
  fp32: [''],
  fp16: ['_fp16'],
  q8: ['_quantized', '_int8', '_uint8'],
  q4: ['_q4'],
  q4f16: ['_q4f16'],
  bnb4: ['_bnb4'],
};

/**
 * `auto` order. On a CPU, 4-bit MatMulNBits with fp32 activations is the fastest and smallest
 * (FACTS.md: 47 vs 12 tok/s for fp32); fp16 activations have no fast CPU kernels, so they go last.
 * GPUs prefer fp16 activations.
 */
const AUTO_ORDER: Record<'cpu' | 'gpu', readonly Precision[]> = {
  cpu: ['q4', 'q8', 'fp32', 'bnb4', 'q4f16', 'fp16'],
  gpu: ['q4f16', 'fp16', 'q4', 'q8', 'fp32', 'bnb4'],
};

/** The precisions `auto` tries, best first, for a device kind. */
export function precisionOrder(choice: PrecisionChoice, device: 'cpu' | 'gpu'): readonly Precision[] {
  return choice === 'auto' ? AUTO_ORDER[device] : [choice];
}
