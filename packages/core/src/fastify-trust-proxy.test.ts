import { describe, expect, it } from 'vitest';
import { fastifyTrustProxyProblem } from './fastify-trust-proxy.js';

/** An object laid out as a Fastify instance is (the version, and the options under Fastify's private symbol); real instances are in the adapters' suites. */
function instance(version: string, trustProxy: unknown): object {
  return { version, [Symbol('fastify.options')]: { trustProxy } };
}

const FIX = "Fastify({ trustProxy: '127.0.0.1' })";

describe('fastifyTrustProxyProblem', () => {
  it('names a hop count from Fastify 5.12.1 on, the release that ignores it, and the fix', () => {
    for (const version of ['5.12.1', '5.12.8', '5.13.0', '6.0.0-alpha.3', '10.0.0']) {
      const problem = fastifyTrustProxyProblem(instance(version, 1), FIX);
      expect(problem, version).toContain(`Fastify ${version} ignores trustProxy: 1`);
      expect(problem).toContain(FIX);
    }
  });

  it('says nothing of a hop count before 5.12.1, which honours it', () => {
    for (const version of ['4.29.1', '5.0.0', '5.11.3', '5.12.0']) {
      expect(fastifyTrustProxyProblem(instance(version, 2), FIX), version).toBeUndefined();
    }
  });

  it('names a string of digits on any version: Fastify reads it as an address', () => {
    for (const trustProxy of ['1', ' 2 ', '1,2', ['1']]) {
      expect(fastifyTrustProxyProblem(instance('4.29.1', trustProxy), FIX)).toContain('not as a hop count');
    }
  });

  it('says nothing of addresses, true, false, 0, a function, or what it cannot read', () => {
    for (const trustProxy of ['127.0.0.1', 'loopback', ['10.0.0.0/8'], '10.0.0.1, 1', true, false, 0, () => true, undefined]) {
      expect(fastifyTrustProxyProblem(instance('5.12.8', trustProxy), FIX)).toBeUndefined();
    }
    expect(fastifyTrustProxyProblem(null, FIX)).toBeUndefined();
    expect(fastifyTrustProxyProblem({ version: '5.12.8' }, FIX)).toBeUndefined();
    expect(fastifyTrustProxyProblem({ [Symbol('fastify.options')]: { trustProxy: 1 } }, FIX)).toBeUndefined();
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('no'); } });
    expect(fastifyTrustProxyProblem(hostile, FIX)).toBeUndefined();
  });

  it('finds the options on the prototype chain, as an encapsulated context inherits them', () => {
    const child = Object.create(Object.create(instance('5.12.8', 1))) as object;
    expect(fastifyTrustProxyProblem(child, FIX)).toContain('ignores trustProxy: 1');
  });
});
