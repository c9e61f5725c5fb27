// Response bodies in each provider's exact wire format.
//
// Every builder takes a sequence number so that every response the fake sends has its own ids and
// its own usage numbers: the tests compare what the SDK returned (and what TokenOps stored) with the
// exact response the fake recorded, so two responses must never look alike.
//
// Shapes follow the providers' API references:
//   OpenAI chat:      https://platform.openai.com/docs/api-reference/chat/object (+ /streaming)
//   OpenAI responses: https://platform.openai.com/docs/api-reference/responses/object (+ /responses-streaming)
//   Anthropic:        https://docs.anthropic.com/en/api/messages (+ /en/docs/build-with-claude/streaming)
//   Gemini:           https://ai.google.dev/api/generate-content#generatecontentresponse

/** The generated text, split the way the fake streams it. Multi-byte characters on purpose: awkward
 * chunking then splits UTF-8 sequences, which a proxy must pass through untouched. */
export const Deltas = Object.freeze(['Hello', ' from', ' the fake', ' upstream', ' — déjà vu', ' 🚀', '.']);
export const FullText = Deltas.join('');

const Created = 1_767_000_000;

function pad(seq) {
  return String(seq).padStart(6, '0');
}

// ---------------------------------------------------------------------------------------------
// OpenAI chat completions
// ---------------------------------------------------------------------------------------------

export function openAiChatUsage(seq) {
  const cached = 1024 + seq * 128;
  const prompt = cached + 200 + seq;
  const reasoning = 8 + seq;
  const completion = 40 + reasoning + seq;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function openAiChatCompletion(seq, model) {
  return {
    id: `chatcmpl-fake${pad(seq)}`,
    object: 'chat.completion',
    created: Created + seq,
    model: responseModel(model),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: FullText, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: openAiChatUsage(seq),
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
  };
}

/** The chunk objects of a streamed chat completion (without the `[DONE]` terminator). */
export function openAiChatChunks(seq, model, includeUsage) {
  const base = {
    id: `chatcmpl-fake${pad(seq)}`,
    object: 'chat.completion.chunk',
    created: Created + seq,
    model: responseModel(model),
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
  };
  // With include_usage every chunk carries "usage": null and one extra chunk with empty choices
  // carries the usage (https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options).
  const usageNull = includeUsage ? { usage: null } : {};
  const chunks = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], ...usageNull },
  ];
  for (const d of Deltas) {
    chunks.push({ ...base, choices: [{ index: 0, delta: { content: d }, logprobs: null, finish_reason: null }], ...usageNull });
  }
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], ...usageNull });
  if (includeUsage) {
    chunks.push({ ...base, choices: [], usage: openAiChatUsage(seq) });
  }
  return chunks;
}

export function openAiError500() {
  return {
    error: {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses API
// ---------------------------------------------------------------------------------------------

export function openAiResponsesUsage(seq) {
  const cached = 512 + seq * 64;
  const input = cached + 100 + seq;
  const reasoning = 4 + seq;
  const output = 30 + reasoning + seq;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

function responseObject(seq, model, status, withOutput) {
  return {
    id: `resp_fake${pad(seq)}`,
    object: 'response',
    created_at: Created + seq,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: responseModel(model),
    output: withOutput ? [responsesMessageItem(seq, 'completed', FullText)] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: withOutput ? openAiResponsesUsage(seq) : null,
    user: null,
    metadata: {},
  };
}

function responsesMessageItem(seq, status, text) {
  return {
    id: `msg_fake${pad(seq)}`,
    type: 'message',
    status,
    content: status === 'in_progress' ? [] : [{ type: 'output_text', annotations: [], logprobs: [], text }],
    role: 'assistant',
  };
}

export function openAiResponse(seq, model) {
  return responseObject(seq, model, 'completed', true);
}

/** The `{event, data}` pairs of a streamed Responses API call. */
export function openAiResponseEvents(seq, model) {
  const itemId = `msg_fake${pad(seq)}`;
  const events = [];
  let n = 0;
  const push = (type, fields) => events.push({ event: type, data: { type, sequence_number: n++, ...fields } });
  push('response.created', { response: responseObject(seq, model, 'in_progress', false) });
  push('response.in_progress', { response: responseObject(seq, model, 'in_progress', false) });
  push('response.output_item.added', { output_index: 0, item: responsesMessageItem(seq, 'in_progress', '') });
  push('response.content_part.added', {
    item_id: itemId, output_index: 0, content_index: 0,
    part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
  });
  for (const d of Deltas) {
    push('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta: d, logprobs: [] });
  }
  push('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text: FullText, logprobs: [] });
  push('response.content_part.done', {
    item_id: itemId, output_index: 0, content_index: 0,
    part: { type: 'output_text', annotations: [], logprobs: [], text: FullText },
  });
  push('response.output_item.done', { output_index: 0, item: responsesMessageItem(seq, 'completed', FullText) });
  push('response.completed', { response: openAiResponse(seq, model) });
  return events;
}

// ---------------------------------------------------------------------------------------------
// Anthropic messages
// ---------------------------------------------------------------------------------------------

export function anthropicUsage(seq) {
  return {
    input_tokens: 20 + seq,
    cache_creation_input_tokens: 300 + seq,
    cache_read_input_tokens: 2000 + seq * 100,
    cache_creation: { ephemeral_5m_input_tokens: 300 + seq, ephemeral_1h_input_tokens: 0 },
    output_tokens: 50 + seq,
    service_tier: 'standard',
  };
}

export function anthropicMessage(seq, model) {
  return {
    id: `msg_01Fake${pad(seq)}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: FullText }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage(seq),
  };
}

/** The `{event, data}` pairs of a streamed message. message_start carries the input side of the usage
 * (output_tokens is a placeholder there), message_delta the final output_tokens. */
export function anthropicEvents(seq, model) {
  const usage = anthropicUsage(seq);
  const startUsage = { ...usage, output_tokens: 1 };
  const events = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: { ...anthropicMessage(seq, model), content: [], stop_reason: null, usage: startUsage },
      },
    },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { event: 'ping', data: { type: 'ping' } },
  ];
  for (const d of Deltas) {
    events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: d } } });
  }
  events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } });
  events.push({
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

export function anthropicError500(seq) {
  return {
    type: 'error',
    error: { type: 'api_error', message: 'Internal server error' },
    request_id: `req_fake${pad(seq)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Gemini generateContent
// ---------------------------------------------------------------------------------------------

export function geminiUsage(seq) {
  const cached = 4096 + seq * 32;
  const prompt = cached + 150 + seq;
  const candidates = 60 + seq;
  const thoughts = 12 + seq;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
    cachedContentTokenCount: cached,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
    cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cached }],
    thoughtsTokenCount: thoughts,
  };
}

export function geminiResponse(seq, model) {
  return {
    candidates: [{ content: { parts: [{ text: FullText }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: geminiUsage(seq),
    modelVersion: model,
    responseId: `fakeResp${pad(seq)}`,
  };
}

/** The chunk objects of streamGenerateContent. Intermediate chunks carry the prompt-side usage, the
 * last one the complete usage and the finish reason, as the live API does. */
export function geminiChunks(seq, model) {
  const usage = geminiUsage(seq);
  const partialUsage = {
    promptTokenCount: usage.promptTokenCount,
    totalTokenCount: usage.promptTokenCount,
    cachedContentTokenCount: usage.cachedContentTokenCount,
    promptTokensDetails: usage.promptTokensDetails,
    cacheTokensDetails: usage.cacheTokensDetails,
  };
  return Deltas.map((d, i) => {
    const last = i === Deltas.length - 1;
    const candidate = { content: { parts: [{ text: d }], role: 'model' }, index: 0 };
    if (last) candidate.finishReason = 'STOP';
    return {
      candidates: [candidate],
      usageMetadata: last ? usage : partialUsage,
      modelVersion: model,
      responseId: `fakeResp${pad(seq)}`,
    };
  });
}

export function geminiError500() {
  return {
    error: {
      code: 500,
      message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
      status: 'INTERNAL',
    },
  };
}

// OpenAI echoes a dated snapshot name for an alias; keep that quirk so tests notice when the
// request model and the response model differ.
function responseModel(model) {
  return model === 'gpt-4o-mini' ? 'gpt-4o-mini-2024-07-18' : model;
}
