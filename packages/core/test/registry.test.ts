import { describe, expect, it } from 'vitest';
import { type Backend, BackendRegistry, jsBackend, MmtokError } from '../src/index.js';

const fake = (name: string, extra: Partial<Backend> = {}): Backend => ({
  name,
  kernels: { gather: jsBackend.kernels.gather },
  ...extra,
});

describe('backend registry', () => {
  it('picks the highest-priority available backend with the op', async () => {
    const r = new BackendRegistry()
      .register({ name: 'js', priority: 0, load: async () => jsBackend })
      .register({ name: 'fast', priority: 10, load: async () => fake('fast') })
      .register({ name: 'broken', priority: 20, load: async () => Promise.reject(new Error('no driver')) });
    expect((await r.kernel('gather')).backend).toBe('fast');
    expect((await r.kernel('fsqEncode')).backend).toBe('js');
    const status = await r.status();
    expect(status.map((s) => [s.name, s.available])).toEqual([
      ['broken', false],
      ['fast', true],
      ['js', true],
    ]);
    expect(status[0].reason).toBe('no driver');
  });

  it('never picks (nor starts) a manual-only backend unless it is named', async () => {
    let loads = 0;
    const r = new BackendRegistry().register({ name: 'js', priority: 0, load: async () => jsBackend }).register({
      name: 'soft-gpu',
      priority: 100,
      load: async () => {
        loads++;
        return fake('soft-gpu');
      },
      manualOnly: async () => 'software adapter',
    });
    expect((await r.kernel('gather')).backend).toBe('js');
    expect(loads).toBe(0);
    expect((await r.kernel('gather', 'soft-gpu')).backend).toBe('soft-gpu');
    expect(loads).toBe(1);
    const s = (await r.status()).find((x) => x.name === 'soft-gpu');
    expect(s).toMatchObject({ available: true, automatic: false, reason: 'software adapter' });
  });

  it('prepare starts the backend a call would use first (named, or the best automatic one) and never throws', async () => {
    const loads: string[] = [];
    const counted = (name: string, priority: number, extra: object = {}) => ({
      name,
      priority,
      load: async () => {
        loads.push(name);
        return fake(name);
      },
      ...extra,
    });
    const r = new BackendRegistry()
      .register(counted('js', 0))
      .register(counted('cpu-fast', 10))
      .register(counted('soft-gpu', 100, { manualOnly: async () => 'software adapter' }))
      .register({ name: 'broken', priority: 50, load: async () => Promise.reject(new Error('no driver')) });
    await r.prepare();
    expect(loads).toEqual(['cpu-fast']);
    await r.prepare('soft-gpu');
    expect(loads).toEqual(['cpu-fast', 'soft-gpu']);
    await expect(r.prepare('broken')).resolves.toBeUndefined();
    await expect(r.prepare('nonexistent')).resolves.toBeUndefined();
    expect(loads).toEqual(['cpu-fast', 'soft-gpu']);
  });

  it('an unavailable named backend fails listing every reason', async () => {
    const r = new BackendRegistry()
      .register({ name: 'js', priority: 0, load: async () => jsBackend })
      .register({ name: 'gpu', priority: 5, load: async () => Promise.reject(new Error('no adapter')) });
    const e = await r.kernel('gather', 'gpu').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MmtokError);
    expect((e as MmtokError).code).toBe('MMTOK_BACKEND');
    expect((e as MmtokError).message).toMatch(/\[gpu\] no adapter.*registered: gpu, js/);
  });

  it('kernelOrBest: the named backend when it has the op, else the best one; unknown or broken names still fail', async () => {
    const r = new BackendRegistry()
      .register({ name: 'js', priority: 0, load: async () => jsBackend })
      .register({ name: 'partial', priority: 5, load: async () => fake('partial') })
      .register({ name: 'gpu', priority: 9, load: async () => Promise.reject(new Error('no adapter')) });
    expect((await r.kernelOrBest('gather', 'partial')).backend).toBe('partial');
    expect((await r.kernelOrBest('affine', 'partial')).backend).toBe('js');
    expect((await r.kernelOrBest('affine', 'js')).backend).toBe('js');
    expect((await r.kernelOrBest('affine')).backend).toBe('js');
    for (const name of ['gpu', 'nope'])
      await expect(r.kernelOrBest('affine', name)).rejects.toMatchObject({ code: 'MMTOK_BACKEND' });
  });
});
