// Types of server-bundle.js (plain JavaScript: `npm start` runs it without a TypeScript loader).
export declare const BUNDLE_DIR: string;
export declare const SERVER_BUNDLE: string;
export declare function isStale(): boolean;
export declare function buildServerBundle(): Promise<void>;
