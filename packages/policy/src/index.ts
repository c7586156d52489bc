export { validatePolicy, type PolicyIssue } from './validate.js';
