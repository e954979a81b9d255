// metav1.Status bodies, worded as KubeVirt's virt-api words them (k8s.io/apimachinery errors).
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

const resource = 'virtualmachine.kubevirt.io';
const details = (name: string) => ({ name, group: 'kubevirt.io', kind: 'virtualmachine' });
const body = (code: number, reason: string, message: string, name?: string): StatusBody => ({
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(name ? { details: details(name) } : {}), code,
});

export class StatusError extends Error {
  constructor(readonly status: StatusBody) {
    super(status.message);
  }
}

export const conflict = (name: string, why: string) =>
  new StatusError(body(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, name));
export const notFound = (name: string) => new StatusError(body(404, 'NotFound', `${resource} "${name}" not found`, name));
export const badRequest = (why: string) => new StatusError(body(400, 'BadRequest', why));
export const internal = (why: string) => new StatusError(body(500, 'InternalError', `Internal error occurred: ${why}`));
export const unauthorized = (why: string) => new StatusError(body(401, 'Unauthorized', why));
export const methodNotAllowed = (method: string) => new StatusError(body(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method}`));
export const pathNotFound = (path: string) => new StatusError(body(404, 'NotFound', `the server could not find the requested resource: ${path}`));

/** KubeVirt's wording when there is no VMI to stop. */
export const VM_NOT_RUNNING = 'VM is not running';
