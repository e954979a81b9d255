export const GROUP = 'acd.power.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'AcdCluster';
export const PLURAL = 'acdclusters';
export const SINGULAR = 'acdcluster';
export const SHORT_NAMES = ['acd'];
export const FIELD_MANAGER = 'acd-operator';
/** VM annotation a user may set to name the active member of a pair. */
export const ACTIVE_ANNOTATION = `${GROUP}/active`;
/**
 * VM annotation the operator sets when, under recovery Ordered, it moves a VM from another strategy
 * to Manual to start it: the VM's next stop then sets Halted again, as declared stopped, while a VM
 * that Git or a person holds on Manual keeps the start/stop subresources (see commandsVia).
 */
export const MOVED_TO_MANUAL_ANNOTATION = `${GROUP}/moved-to-manual`;
/**
 * AcdCluster annotation holding a power override (src/api/override.ts): an annotation, not the
 * spec, so a GitOps tool that owns the spec neither reverts it nor fights the operator removing it.
 */
export const OVERRIDE_ANNOTATION = `${GROUP}/power-override`;
/**
 * AcdCluster annotation `acdctl restart` sets to the time of the request (RFC 3339), in the idiom of
 * `kubectl rollout restart`; it asks for the same ordered restart as spec.restartAfter.
 */
export const RESTART_ANNOTATION = `${GROUP}/restartedAt`;
/**
 * AcdCluster annotation naming beforeOff gates to skip once (src/api/skip-gates.ts), written by
 * `acdctl power off --skip-gate`; the operator removes it once an Off transition has used it.
 */
export const SKIP_GATES_ANNOTATION = `${GROUP}/skip-gates`;
