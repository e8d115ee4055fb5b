// The page's link to the analysis worker: the one Worker, and ask() for questions about a
// finished run. Answers come back by id, so several questions may be in flight at once.

/** The analysis worker (see worker.js for its messages). */
export const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

const pending = new Map();
let nextId = 1;

worker.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type !== 'answer' || !pending.has(message.id)) {
    return;
  }
  const { resolve, reject } = pending.get(message.id);
  pending.delete(message.id);
  if (message.error !== undefined) {
    reject(new Error(message.error));
  } else {
    resolve(message.value);
  }
});

/**
 * Asks the finished analysis one question: calls `method` (one of worker.js's QUERY_METHODS)
 * with `args` and resolves with its return value, or rejects with its error message.
 */
export function ask(method, args) {
  const id = nextId;
  nextId += 1;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ type: 'query', id, method, args });
  });
}

/** Asks a question whose answer is JSON text and resolves with the parsed value. */
export async function askJson(method, args) {
  return JSON.parse(await ask(method, args));
}
