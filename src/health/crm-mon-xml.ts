// Parser for crm_mon's XML: the 2.x `<pacemaker-result>` format and the legacy `<crm_mon>` format
// of `crm_mon -1 -X` (Pacemaker 1.1). Both keep summary/nodes/resources/failures the same way.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface CrmMonNode {
  name: string;
  type: string;
  online: boolean;
  standby: boolean;
  standbyOnFail: boolean;
  maintenance: boolean;
  unclean: boolean;
  pending: boolean;
}

export interface CrmMonResource {
  id: string;
  agent: string;
  role: string;
  active: boolean;
  failed: boolean;
  blocked: boolean;
  nodes: string[];
  /** Enclosing clone/group/bundle ids, outermost first. */
  parents: string[];
  /** True inside a promotable (multi_state) clone. */
  promotable: boolean;
}

export interface CrmMonFailure {
  opKey: string;
  node: string;
  exitStatus: string;
  exitReason: string;
}

export interface CrmMonStatus {
  format: 'pacemaker-result' | 'legacy';
  version?: string;
  statusCode?: number;
  statusMessage?: string;
  errors: string[];
  dc?: { present: boolean; withQuorum: boolean; name?: string };
  nodes: CrmMonNode[];
  resources: CrmMonResource[];
  failures: CrmMonFailure[];
}

type XmlNode = Record<string, unknown>;

const ARRAY_TAGS = new Set(['node', 'resource', 'clone', 'group', 'bundle', 'replica', 'failure', 'error']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Keep attribute values as strings: "true"/"false" and ids like "1" are compared as text.
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (tag) => ARRAY_TAGS.has(tag),
});

const obj = (v: unknown): XmlNode => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as XmlNode) : {});
const list = (v: unknown): XmlNode[] => (Array.isArray(v) ? v.map(obj) : v === undefined ? [] : [obj(v)]);
const str = (n: XmlNode, attr: string): string => (typeof n[`@${attr}`] === 'string' ? (n[`@${attr}`] as string) : '');
const flag = (n: XmlNode, attr: string): boolean => str(n, attr) === 'true';
const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof obj(v)['#text'] === 'string' ? (obj(v)['#text'] as string) : '';

/** Throws on anything that is not crm_mon XML; callers turn that into an unhealthy result. */
export function parseCrmMon(xml: string): CrmMonStatus {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`crm_mon output is not XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(xml) as XmlNode;
  const format =
    doc['pacemaker-result'] !== undefined ? 'pacemaker-result' : doc['crm_mon'] !== undefined ? 'legacy' : undefined;
  if (!format) throw new Error('crm_mon output has neither <pacemaker-result> nor <crm_mon> root');
  const root = obj(format === 'legacy' ? doc['crm_mon'] : doc['pacemaker-result']);

  const status = obj(root['status']);
  const code = str(status, 'code');
  const dcNode = obj(obj(root['summary'])['current_dc']);
  const hasDc = Object.keys(dcNode).length > 0;

  const resources: CrmMonResource[] = [];
  collectResources(obj(root['resources']), [], false, resources);

  return {
    format,
    version: str(root, 'version') || undefined,
    statusCode: code === '' ? undefined : Number(code),
    statusMessage: str(status, 'message') || undefined,
    errors: ([] as unknown[])
      .concat(obj(status['errors'])['error'] ?? [])
      .map(text)
      .filter(Boolean),
    dc: hasDc
      ? {
          present: flag(dcNode, 'present'),
          withQuorum: flag(dcNode, 'with_quorum'),
          name: str(dcNode, 'name') || undefined,
        }
      : undefined,
    nodes: list(obj(root['nodes'])['node']).map((n) => ({
      name: str(n, 'name'),
      type: str(n, 'type') || 'member',
      online: flag(n, 'online'),
      standby: flag(n, 'standby'),
      standbyOnFail: flag(n, 'standby_onfail'),
      maintenance: flag(n, 'maintenance'),
      unclean: flag(n, 'unclean'),
      pending: flag(n, 'pending'),
    })),
    resources,
    failures: list(obj(root['failures'])['failure']).map((f) => ({
      opKey: str(f, 'op_key'),
      node: str(f, 'node'),
      exitStatus: str(f, 'exitstatus'),
      exitReason: str(f, 'exitreason'),
    })),
  };
}

function collectResources(container: XmlNode, parents: string[], promotable: boolean, out: CrmMonResource[]): void {
  for (const r of list(container['resource'])) {
    out.push({
      id: str(r, 'id'),
      agent: str(r, 'resource_agent'),
      role: str(r, 'role'),
      active: flag(r, 'active'),
      failed: flag(r, 'failed'),
      blocked: flag(r, 'blocked'),
      nodes: list(r['node'])
        .map((n) => str(n, 'name'))
        .filter(Boolean),
      parents,
      promotable,
    });
  }
  for (const tag of ['clone', 'group', 'bundle', 'replica']) {
    for (const c of list(container[tag])) {
      const id = str(c, 'id');
      const nested = tag === 'replica' ? parents : [...parents, id];
      // Failed/blocked flags on the container itself count as a resource problem too.
      if (flag(c, 'failed') || flag(c, 'blocked')) {
        out.push({
          id,
          agent: tag,
          role: '',
          active: false,
          failed: flag(c, 'failed'),
          blocked: flag(c, 'blocked'),
          nodes: [],
          parents,
          promotable,
        });
      }
      collectResources(c, nested, promotable || flag(c, 'multi_state'), out);
    }
  }
}
