/**
 * `@monque/dashboard`: a web dashboard for a Monque queue, served by a Node request handler.
 *
 * @example
 * ```ts
 * import { createDashboard } from '@monque/dashboard';
 * app.use('/admin/queue', createDashboard({ monque, basePath: '/admin/queue' }));
 * ```
 */
export { createDashboard, type DashboardHandler } from './create-dashboard.js';
export type {
  JobAction,
  QueueActions,
  QueueManagement,
  QueueReader,
  WatchableCollection,
} from './management.js';
export {
  type Authorize,
  allowLoopbackOnly,
  type DashboardAction,
  type DashboardDbOptions,
  type DashboardMonqueOptions,
  type DashboardOptions,
  isLoopbackAddress,
} from './options.js';
