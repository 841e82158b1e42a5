export * from './result';
export * from './contract';
export * from './channels';
export * from './schemas';
export * from './wire';
export * from './files';
