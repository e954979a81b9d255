// The parts of KubeVirt's VirtualMachine / VirtualMachineInstance objects the stand-in reads or writes.
export const GROUP = 'kubevirt.io';
export const VERSION = 'v1';
export const VM_PLURAL = 'virtualmachines';
export const VMI_PLURAL = 'virtualmachineinstances';

export type RunStrategy = 'Always' | 'Halted' | 'Manual' | 'RerunOnFailure' | 'Once';

export type VmiPhase = '' | 'Pending' | 'Scheduling' | 'Scheduled' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface StateChangeRequest {
  action: 'Start' | 'Stop';
  uid?: string;
  data?: Record<string, string>;
}

export interface StartFailure {
  consecutiveFailCount: number;
  lastFailedVMIUID: string;
  retryAfterTimestamp: string;
}

export interface VmStatus {
  printableStatus?: string;
  ready?: boolean;
  created?: boolean;
  runStrategy?: string;
  conditions?: Condition[];
  stateChangeRequests?: StateChangeRequest[];
  startFailure?: StartFailure;
  observedGeneration?: number;
  desiredGeneration?: number;
}

export interface VmiSpec {
  terminationGracePeriodSeconds?: number;
  domain?: { devices?: { interfaces?: { name: string }[] } };
  [k: string]: unknown;
}

export interface VirtualMachine {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: {
    running?: boolean;
    runStrategy?: string;
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: VmiSpec };
  };
  status?: VmStatus;
}

export interface VmiInterface {
  name: string;
  ipAddress?: string;
  ipAddresses?: string[];
  infoSource?: string;
}

export interface VmiStatus {
  phase?: VmiPhase;
  conditions?: Condition[];
  interfaces?: VmiInterface[];
  nodeName?: string;
  phaseTransitionTimestamps?: { phase: string; phaseTransitionTimestamp: string }[];
}

export interface VirtualMachineInstance {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: VmiSpec;
  status?: VmiStatus;
}

export const isFinal = (vmi: VirtualMachineInstance) =>
  vmi.status?.phase === 'Succeeded' || vmi.status?.phase === 'Failed';

export const condition = (conds: Condition[] | undefined, type: string) => conds?.find((c) => c.type === type);
