// GOV.UK Frontend's behaviour where the browser runs scripts (focus on the error summary, its links
// moving focus to the field, and so on); every page works without it. A file, never inline script,
// so the content security policy stays 'self'.
import { initAll } from './govuk-frontend.min.js';

document.body.classList.add('govuk-frontend-supported');
initAll();
