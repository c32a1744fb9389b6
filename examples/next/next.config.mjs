/** @type {import('next').NextConfig} */
const nextConfig = {
  // A workspace package: Next compiles it like the app's own code (it ships ESM and CJS builds).
  transpilePackages: ['@pirsch-node/next'],
};

export default nextConfig;
