/** `npm run api:types`: serves the app on a scratch database, reads /api/v1/openapi.json and writes the types. */
import { writeFileSync } from 'node:fs';
import { createTestContext, requestTo } from '../helpers/app.ts';
import { API_TYPES_FILE, generateApiTypes } from './types.ts';

const ctx = createTestContext();
try {
  const served = await requestTo(ctx.app).get('/api/v1/openapi.json');
  if (served.status !== 200) throw new Error(`the document answered ${served.status}`);
  writeFileSync(API_TYPES_FILE, await generateApiTypes(served.body));
  console.log(`wrote ${API_TYPES_FILE}`);
} finally {
  await ctx.cleanup();
}
