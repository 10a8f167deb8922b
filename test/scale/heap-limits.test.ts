import { afterEach, describe, expect, it } from 'vitest';
import { nodeOptionsWithHeap } from '../../src/config/memory.js';
import { createRuntimeApp, type RuntimeApp } from '../dyno/runtime-app.js';

describe('heap limits of the web processes', () => {
  let app: RuntimeApp | undefined;
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
  });

  it('caps the native event server heap from the memory budget, and a user heap size wins', async () => {
    app = await createRuntimeApp({ engine: false });
    const result = await app.run(['web'], { PORT: '7071', PIO_MEMORY_LIMIT: '1g', NODE_OPTIONS: '--enable-source-maps' });
    expect(result.stdout).toContain('Event server heap --max-old-space-size=640, sized as the Spark driver: memory 1 GiB (PIO_MEMORY_LIMIT)');
    expect((await app.calls())[0]?.env.NODE_OPTIONS).toBe('--enable-source-maps --max-old-space-size=640');

    expect(nodeOptionsWithHeap(undefined, 640)).toBe('--max-old-space-size=640');
    expect(nodeOptionsWithHeap('--max-old-space-size=300', 640)).toBe('--max-old-space-size=300');
    expect(nodeOptionsWithHeap('--trace-warnings  --max-old-space-size 300', 640)).toBe('--trace-warnings  --max-old-space-size 300');
  });
});
