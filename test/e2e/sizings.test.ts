// The seed's 8 sizings on the shared test bed, with runStrategy VMs (the operator patches
// spec.runStrategy): see support/sizings-suite.ts.
import { sizingsSuite } from './support/sizings-suite.js';

sizingsSuite({ prefix: 'sizing', runStrategy: 'Always' });
