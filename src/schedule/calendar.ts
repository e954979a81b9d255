// A holiday calendar as admins keep it: a ConfigMap with one local date "YYYY-MM-DD" a line, shared by
// every ACD of a region. Blank lines and "#" comments ("2026-12-25  # Christmas") are allowed. A line
// that is not a date is refused rather than skipped: a typo such as "2026-12-52" would otherwise leave a
// holiday silently On.
import { parseDate } from './compile.js';

export interface ParsedCalendar {
  dates: string[];
  /** One per bad line, naming `source` and the line number; [] when every line is a date or blank. */
  problems: string[];
}

/** The dates of one calendar text; `source` names it in problems ("ConfigMap holidays key de"). */
export function parseCalendar(text: string, source: string): ParsedCalendar {
  const dates: string[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (parseDate(line) === undefined) {
      problems.push(`${source} line ${i + 1}: ${JSON.stringify(line)} is not a date YYYY-MM-DD`);
    } else dates.push(line);
  });
  return { dates, problems };
}
