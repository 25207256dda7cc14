import { api } from './api.js';
import { h } from './dom.js';
import { t, setLang, currentLang } from './i18n.js';

export function showLogin(view, onLoggedIn) {
  const notice = sessionStorage.getItem('quanzu.notice');
  sessionStorage.removeItem('quanzu.notice');
  const message = h('p', { class: 'error', id: 'login-error', role: 'alert' }, notice || '');
  const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', id: 'login-submit', class: 'primary big' }, t('login_submit'));
  const form = h('form', { class: 'login', id: 'login-form' },
    h('h1', {}, t('app_title')),
    h('h2', {}, t('login_title')),
    h('label', {}, t('login_name'), name),
    h('label', {}, t('login_password'), password),
    submit, message,
    h('button', { type: 'button', class: 'link', onclick: () => { setLang(currentLang() === 'zh' ? 'en' : 'zh'); view.replaceChildren(); showLogin(view, onLoggedIn); } }, t('lang_switch')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    try {
      const user = await api.login(name.value.trim(), password.value);
      onLoggedIn(user);
    } catch (e) {
      message.textContent = e.status === 429 ? t('login_throttled') : e.status === 401 ? t('login_failed') : `${t('error')}: ${e.message}`;
      submit.disabled = false;
    }
  });
  view.appendChild(form);
  name.focus();
}
