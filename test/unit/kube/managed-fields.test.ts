// Who last wrote spec.powerState, from managedFields as the API server keeps them.
import { describe, expect, test } from '@jest/globals';
import { lastWriterOf, ownersOnly, POWER_STATE_PATH } from '../../../src/kube/managed-fields.js';

const entries = [
  {
    manager: 'kubectl-client-side-apply',
    operation: 'Update',
    time: '2026-11-01T08:00:00Z',
    fieldsV1: { 'f:spec': { '.': {}, 'f:machines': {}, 'f:active': {} } },
  },
  {
    manager: 'argocd-controller',
    operation: 'Apply',
    time: '2026-11-20T08:00:00Z',
    fieldsV1: { 'f:spec': { 'f:powerState': {}, 'f:schedule': {} } },
  },
  {
    manager: 'acd-operator',
    operation: 'Update',
    subresource: 'status',
    time: '2026-11-29T08:00:00Z',
    fieldsV1: { 'f:status': { 'f:phase': {} } },
  },
  {
    manager: 'acdctl',
    operation: 'Update',
    time: '2026-11-28T22:00:00Z',
    fieldsV1: { 'f:spec': { 'f:powerState': {} } },
  },
];

describe('managedFields', () => {
  test('the latest owner of spec.powerState, not the latest writer of anything', () => {
    expect(lastWriterOf(entries, POWER_STATE_PATH)).toBe('acdctl');
    expect(lastWriterOf(entries.slice(0, 3), POWER_STATE_PATH)).toBe('argocd-controller');
    expect(lastWriterOf(entries.slice(0, 1), POWER_STATE_PATH)).toBeUndefined();
    expect(lastWriterOf(undefined, POWER_STATE_PATH)).toBeUndefined();
    expect(lastWriterOf([null, 'x', { manager: 'm' }], POWER_STATE_PATH)).toBeUndefined();
  });

  test('the cache keeps the owners of the field only, with that field only, and still answers', () => {
    const kept = ownersOnly(entries, POWER_STATE_PATH);
    expect(kept).toEqual([
      {
        manager: 'argocd-controller',
        operation: 'Apply',
        time: '2026-11-20T08:00:00Z',
        fieldsV1: { 'f:spec': { 'f:powerState': {} } },
      },
      {
        manager: 'acdctl',
        operation: 'Update',
        time: '2026-11-28T22:00:00Z',
        fieldsV1: { 'f:spec': { 'f:powerState': {} } },
      },
    ]);
    expect(lastWriterOf(kept, POWER_STATE_PATH)).toBe('acdctl');
  });
});
