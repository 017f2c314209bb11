import { chromium } from '@playwright/test';
const B = 'http://127.0.0.1:18888/';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-dev-shm-usage','--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on('pageerror', e => console.log('pageerror', e.message));
page.on('console', m => m.type() === 'error' && console.log('console', m.text().slice(0, 300)));
await page.goto(B + 'lab?token=dbg');
const tab = page.locator('.jp-SideBar [data-id="stellascript-library"]');
await tab.waitFor();
if (!(await page.locator('#stellascript-library').isVisible())) await tab.click();
for (const lang of ['java', 'csharp', 'typescript', 'bash']) {
  for (let i = 0; i < 5 && await page.locator('dialog.jp-Dialog[aria-label^="Message from"]').count(); i++) { await page.keyboard.press('Escape'); await page.waitForTimeout(300); }
  await page.locator('.jp-StellaScript-new').click();
  await page.locator('.jp-StellaScript-new-name').fill('hello-' + lang);
  await page.locator('.jp-StellaScript-new-language').selectOption(lang);
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await page.locator('.jp-StellaScript-editor-label:visible', { hasText: 'hello-' + lang }).waitFor({ timeout: 120000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `/tmp/dbg/shots/lang-${lang}.png` });
  console.log(lang, await page.locator('.jp-StellaScript-editor-label:visible').textContent(), await page.locator('.lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel').first().textContent());
}
await browser.close();
