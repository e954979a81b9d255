// The override annotation: what acdctl writes reads back; what a person mistypes is refused, named.
import { describe, expect, test } from '@jest/globals';
import { OVERRIDE_ANNOTATION } from '../../../src/api/names.js';
import { formatOverride, readOverride } from '../../../src/api/override.js';

const read = (raw: string) => readOverride({ [OVERRIDE_ANNOTATION]: raw });

describe('override annotation', () => {
  test('absent: nothing', () => {
    expect(readOverride(undefined)).toEqual({});
    expect(readOverride({ other: 'x' })).toEqual({});
  });

  test('what acdctl writes is read back, with the raw value for a guarded removal', () => {
    const raw = formatOverride({ powerState: 'On', until: '2026-12-24T17:00:00Z', reason: 'campaign', by: 'alice' });
    expect(read(raw)).toEqual({
      override: { powerState: 'On', until: '2026-12-24T17:00:00Z', reason: 'campaign', by: 'alice' },
      raw,
    });
  });

  test('not JSON, a missing until, a bad state and unknown fields are refused, each named', () => {
    expect(read('On until 18:00')).toMatchObject({ invalid: `annotation ${OVERRIDE_ANNOTATION} is not JSON` });
    expect(read('{"powerState":"On"}').invalid).toMatch(/until: /);
    expect(read('{"powerState":"Up","until":"2026-12-24T17:00:00Z"}').invalid).toMatch(/powerState: /);
    expect(read('{"powerState":"On","until":"2026-12-24T17:00:00Z","forever":true}').invalid).toMatch(/forever/);
    expect(read('{"powerState":"On","until":"18:00"}').invalid).toMatch(/until: /);
  });
});
