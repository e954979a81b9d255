// The eight sizings of the seed ("jtel ACD shutdown/startup"), with the seed's aliases as VM names.
// A slash in the seed ("acd-store/lb/jb") means one VM with several roles; Kubernetes names
// cannot contain '/', so such a VM is named with '-' instead ("acd-store-lb-jb").
import type { ActiveSides, Machine, Sizing } from '../../../src/plan/index.js';

export const SEED_LAYOUTS: Record<Exclude<Sizing, 'Custom'>, Machine[]> = {
  SmallV1: [
    { vm: 'acd-tel', roles: ['tel'] },
    { vm: 'acd-store-lb-dbm-dbs-dbr-jb', roles: ['store', 'lb', 'dbm', 'dbs', 'dbr', 'jb'] },
  ],
  SmallV2: [
    { vm: 'acd-tel', roles: ['tel'] },
    { vm: 'acd-dbm-dbs-dbr', roles: ['dbm', 'dbs', 'dbr'] },
    { vm: 'acd-store-lb-jb', roles: ['store', 'lb', 'jb'] },
  ],
  SmallV3: [
    { vm: 'acd-tel', roles: ['tel'] },
    { vm: 'acd-jb1', roles: ['jb'] },
    { vm: 'acd-jb2', roles: ['jb'] },
    { vm: 'acd-dbm-dbs-dbr', roles: ['dbm', 'dbs', 'dbr'] },
    { vm: 'acd-store-lb', roles: ['store', 'lb'] },
  ],
  MediumV1: [
    { vm: 'acd-tel', roles: ['tel'] },
    { vm: 'acd-jb1', roles: ['jb'] },
    { vm: 'acd-jb2', roles: ['jb'] },
    { vm: 'acd-dbs-dbr', roles: ['dbs', 'dbr'] },
    { vm: 'acd-dbm', roles: ['dbm'] },
    { vm: 'acd-store-lb', roles: ['store', 'lb'] },
  ],
  MediumV2: [
    { vm: 'acd-tel', roles: ['tel'] },
    { vm: 'acd-jb1', roles: ['jb'] },
    { vm: 'acd-jb2', roles: ['jb'] },
    { vm: 'acd-dbs-dbr', roles: ['dbs', 'dbr'] },
    { vm: 'acd-dbm', roles: ['dbm'] },
    { vm: 'acd-lb', roles: ['lb'] },
    { vm: 'acd-store', roles: ['store'] },
  ],
  LargeV1: [
    { vm: 'acd-tel1', roles: ['tel'] },
    { vm: 'acd-tel2', roles: ['tel'] },
    { vm: 'acd-jb1', roles: ['jb'] },
    { vm: 'acd-jb2', roles: ['jb'] },
    { vm: 'acd-dbs1-dbr1', roles: ['dbs', 'dbr'], side: 1 },
    { vm: 'acd-dbs2-dbr2', roles: ['dbs', 'dbr'], side: 2 },
    { vm: 'acd-dbm1', roles: ['dbm'], side: 1 },
    { vm: 'acd-dbm2', roles: ['dbm'], side: 2 },
    { vm: 'acd-lb', roles: ['lb'] },
    { vm: 'acd-store', roles: ['store'] },
  ],
  LargeV2: [
    { vm: 'acd-tel1', roles: ['tel'] },
    { vm: 'acd-tel2', roles: ['tel'] },
    { vm: 'acd-jb1', roles: ['jb'] },
    { vm: 'acd-jb2', roles: ['jb'] },
    { vm: 'acd-dbs1-dbr1', roles: ['dbs', 'dbr'], side: 1 },
    { vm: 'acd-dbs2-dbr2', roles: ['dbs', 'dbr'], side: 2 },
    { vm: 'acd-dbm1', roles: ['dbm'], side: 1 },
    { vm: 'acd-dbm2', roles: ['dbm'], side: 2 },
    { vm: 'acd-lb1', roles: ['lb'], side: 1 },
    { vm: 'acd-lb2', roles: ['lb'], side: 2 },
    { vm: 'acd-store', roles: ['store'] },
  ],
  LargeV3: [
    { vm: 'acd-tel1', roles: ['tel'] },
    { vm: 'acd-tel2', roles: ['tel'] },
    { vm: 'acd-jb1', roles: ['jb'] },
    { vm: 'acd-jb2', roles: ['jb'] },
    { vm: 'acd-dbs1-dbr1', roles: ['dbs', 'dbr'], side: 1 },
    { vm: 'acd-dbs2-dbr2', roles: ['dbs', 'dbr'], side: 2 },
    { vm: 'acd-dbm1', roles: ['dbm'], side: 1 },
    { vm: 'acd-dbm2', roles: ['dbm'], side: 2 },
    { vm: 'acd-lb1', roles: ['lb'], side: 1 },
    { vm: 'acd-lb2', roles: ['lb'], side: 2 },
    { vm: 'acd-store1', roles: ['store'], side: 1 },
    { vm: 'acd-store2', roles: ['store'], side: 2 },
  ],
};

// "The table at Large V1 assumes that acd-dbm2 is currently the active master database",
// "Large V2 assumes that acd-lb2 is currently the active load balancer",
// "Large V3 assumes that acd-store2 is currently the active storage".
export const SEED_ACTIVE: ActiveSides = { database: 2, loadBalancer: 2, storage: 2 };
export const FLIPPED_ACTIVE: ActiveSides = { database: 1, loadBalancer: 1, storage: 1 };
