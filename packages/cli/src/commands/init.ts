import { type InitOptions, initDevSetup } from '../init/init.js';

/** `drawbridge init`: writes the development setup and says what to do next. */
export function runInit(opts: InitOptions): number {
  const setup = initDevSetup(opts);
  console.log(`Wrote a development setup to ${setup.dir}
  config:          ${setup.configFile}
  sign-in:         ${setup.email} / password in ${setup.dir}/dev-idp-password
  route:           ${setup.routeUrl}

Next: drawbridge start --config ${setup.dir}`);
  return 0;
}
