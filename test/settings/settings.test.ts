import * as assert from 'node:assert/strict';
import { languageEnabled, readSettings } from '../../src/settings/settings';

const config = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

describe('readSettings', () => {
  it('gives the defaults for an empty configuration', () => {
    const { settings, problems } = readSettings(config({}));
    assert.deepEqual(problems, []);
    assert.equal(settings.model, '');
    assert.equal(settings.device, 'auto');
    assert.equal(settings.threads, undefined);
    assert.equal(settings.completion.maxPromptTokens, 1536);
    assert.equal(settings.completion.multiline, 'auto');
    assert.equal(settings.completion.syntaxCheck, true);
  });

  it('replaces bad values by their defaults and says so', () => {
    const { settings, problems } = readSettings(config({ device: 'tpu', maxNewTokens: -3, debounceMs: 'fast', model: 42 }));
    assert.equal(settings.device, 'auto');
    assert.equal(settings.completion.maxNewTokens, 64);
    assert.equal(settings.completion.debounceMs, 75);
    assert.equal(settings.model, '');
    assert.equal(problems.length, 4);
    assert.ok(problems.some((p) => /slm\.device must be one of auto, cpu, gpu \(got "tpu"\); using auto/.test(p)), problems.join('\n'));
  });

  it('reads slm.chatModel like slm.model: a catalog id or a folder, trimmed; empty by default; a bad type reported', () => {
    assert.equal(readSettings(config({})).settings.chatModel, '');
    assert.equal(readSettings(config({ chatModel: ' qwen2.5-coder-1.5b-instruct ' })).settings.chatModel, 'qwen2.5-coder-1.5b-instruct');
    assert.equal(readSettings(config({ chatModel: '/models/chat', speculation: 'off' })).settings.chatModel, '/models/chat', 'speculation has no say in chat');
    const { settings, problems } = readSettings(config({ chatModel: ['qwen2.5-coder-3b'] }));
    assert.equal(settings.chatModel, '');
    assert.deepEqual(problems, ['slm.chatModel must be a model id or a folder path (got ["qwen2.5-coder-3b"]); using the completion model.']);
  });

  it('keeps the suffix and context shares within the prompt budget', () => {
    const { settings } = readSettings(config({ maxPromptTokens: 256, maxSuffixTokens: 8000 }));
    assert.equal(settings.completion.maxSuffixTokens, 128);
  });

  it('reads slm.fimOrder: auto by default, psm or spm, a bad value reported', () => {
    assert.equal(readSettings(config({})).settings.completion.fimOrder, 'auto');
    assert.equal(readSettings(config({ fimOrder: 'spm' })).settings.completion.fimOrder, 'spm');
    assert.equal(readSettings(config({ fimOrder: 'psm' })).settings.completion.fimOrder, 'psm');
    const { settings, problems } = readSettings(config({ fimOrder: 'SPM' }));
    assert.equal(settings.completion.fimOrder, 'auto');
    assert.deepEqual(problems, ['slm.fimOrder must be one of auto, psm, spm (got "SPM"); using auto.']);
  });

  it('enables languages by id with a default', () => {
    const { settings } = readSettings(config({ enabledLanguages: { '*': false, python: true, bogus: 'yes' } }));
    assert.equal(languageEnabled(settings, 'python'), true);
    assert.equal(languageEnabled(settings, 'go'), false);
    assert.equal(settings.enabledLanguages.bogus, undefined);
  });

  it('suffix reuse: exact unless shifted is asked for; anything else is reported', () => {
    assert.equal(readSettings(config({})).settings.completion.suffixReuse, 'exact');
    assert.equal(readSettings(config({ suffixReuse: 'shifted' })).settings.completion.suffixReuse, 'shifted');
    const bad = readSettings(config({ suffixReuse: 'fast' }));
    assert.equal(bad.settings.completion.suffixReuse, 'exact');
    assert.match(bad.problems.join('\n'), /slm\.suffixReuse/);
  });

  it('speculation off turns the draft model off too, explicit or paired', () => {
    const on = readSettings(config({ draftModel: '/models/draft' })).settings;
    assert.equal(on.draftModel, '/models/draft');
    assert.deepEqual(on.completion.speculation, { promptLookup: true, draftModel: true });
    const off = readSettings(config({ draftModel: '/models/draft', speculation: 'off' })).settings;
    assert.equal(off.draftModel, '');
    assert.deepEqual(off.completion.speculation, { promptLookup: false, draftModel: false });
  });

  it('takes an http(s) Hugging Face endpoint, without its trailing slash', () => {
    assert.equal(readSettings(config({})).settings.huggingFaceEndpoint, 'https://huggingface.co');
    assert.equal(readSettings(config({ huggingFaceEndpoint: ' http://127.0.0.1:8080/ ' })).settings.huggingFaceEndpoint, 'http://127.0.0.1:8080');
    const { settings, problems } = readSettings(config({ huggingFaceEndpoint: 'ftp://mirror' }));
    assert.equal(settings.huggingFaceEndpoint, 'https://huggingface.co');
    assert.match(problems.join('\n'), /slm\.huggingFaceEndpoint must be an http\(s\) URL \(got "ftp:\/\/mirror"\)/);
  });
});
