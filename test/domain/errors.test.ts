import { describe, expect, it } from 'vitest';
import * as errors from '../../src/domain/errors.ts';
import { ClawError, ErrorCode, isCodedError, OutOfScope } from '../../src/domain/errors.ts';
import { checkScope } from '../../src/tools/define-tool.ts';

describe('coded errors', () => {
  it('gives every error a person can see its own stable code', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    const classes = Object.values(errors).filter(
      (v): v is typeof ClawError => typeof v === 'function' && v.prototype instanceof ClawError,
    );
    expect(classes.length).toBeGreaterThanOrEqual(17);
    for (const C of classes) {
      const e = new (C as unknown as new (...a: unknown[]) => ClawError)('why');
      expect(isCodedError(e), C.name).toBe(true);
      expect(codes, C.name).toContain(e.code);
      expect(e).toBeInstanceOf(Error);
    }
  });

  it('has one out-of-scope error, whether a read tool or the supervisor notices', () => {
    const thrown = (() => {
      try {
        checkScope({ namespace: 'shop' } as Parameters<typeof checkScope>[0], 'kube-system');
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(OutOfScope);
    expect((thrown as OutOfScope).code).toBe(ErrorCode.OutOfScope);
    expect((thrown as Error).message).toBe('namespace "kube-system" is outside this task\'s scope (shop)');
  });

  it('leaves a plain Error uncoded, so a boundary reports it as the bug it is', () => {
    expect(isCodedError(new Error('boom'))).toBe(false);
    expect(isCodedError({ code: ErrorCode.Usage, message: 'forged' })).toBe(false);
  });
});
