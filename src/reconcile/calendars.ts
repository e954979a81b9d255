// The holiday calendars of `powerState: Scheduled`: ConfigMaps named by spec.schedule.calendarRefs,
// read with a GET at each reconcile (so an edited calendar needs no restart, and the operator needs
// no list/watch on ConfigMaps: the chart grants `get` by name only). What cannot be read is a
// problem for ScheduleValid, not a reason to guess: the decision then touches nothing.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { CalendarRef } from '../api/spec.js';
import { parseCalendar } from '../schedule/index.js';

export interface CalendarRead {
  /** Every date the calendars name, as local dates YYYY-MM-DD. */
  holidays: Set<string>;
  /** Why a calendar cannot be used (missing, forbidden, a line that is not a date); [] when all read. */
  problems: string[];
}

export interface CalendarSource {
  read(namespace: string, refs: readonly CalendarRef[]): Promise<CalendarRead>;
}

/**
 * The data of a ConfigMap, undefined when it does not exist. Throws CalendarUnreadable for what the
 * user must fix (RBAC); anything else (a timeout) fails the reconcile, which is retried.
 */
export type ReadConfigMap = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

export class CalendarUnreadable extends Error {}

export class ConfigMapCalendars implements CalendarSource {
  constructor(private readonly readConfigMap: ReadConfigMap) {}

  async read(namespace: string, refs: readonly CalendarRef[]): Promise<CalendarRead> {
    const holidays = new Set<string>();
    const problems: string[] = [];
    for (const ref of refs) {
      let data: Record<string, string> | undefined;
      try {
        data = await this.readConfigMap(namespace, ref.name);
      } catch (e) {
        if (!(e instanceof CalendarUnreadable)) throw e;
        problems.push(e.message);
        continue;
      }
      if (!data) {
        problems.push(`calendar ConfigMap ${ref.name} not found`);
        continue;
      }
      const keys = ref.key ? [ref.key] : Object.keys(data).sort();
      if (ref.key && data[ref.key] === undefined) problems.push(`calendar ConfigMap ${ref.name} has no key ${ref.key}`);
      for (const key of keys) {
        const text = data[key];
        if (text === undefined) continue;
        const parsed = parseCalendar(text, `calendar ConfigMap ${ref.name} key ${key}`);
        parsed.dates.forEach((d) => holidays.add(d));
        problems.push(...parsed.problems);
      }
    }
    return { holidays, problems };
  }
}

/** client-node's GET, with 404 as undefined and 403 as the message that says what RBAC lacks. */
export function kubeConfigMapReader(kc: KubeConfig): ReadConfigMap {
  const core = kc.makeApiClient(CoreV1Api);
  return async (namespace, name) => {
    try {
      return (await core.readNamespacedConfigMap({ name, namespace })).data ?? {};
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      if (e instanceof ApiException && e.code === 403) {
        throw new CalendarUnreadable(
          `not allowed to read calendar ConfigMap ${name}: list it in the chart's calendarConfigMaps`,
          { cause: e },
        );
      }
      throw e;
    }
  };
}
