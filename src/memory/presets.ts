// The presets (SPEC §10): what each sets on top of nohang's defaults, and which preset a boot gets
// when nothing chooses one. Thresholds are written out even where they equal nohang's defaults,
// so report.json and `immucore memory show` say what each one is and that the preset chose it.
import type {BootStateName} from '../boot/state.ts';
import {type BadnessRule, PROTECT_ADJ, type PresetName} from './policy.ts';

export interface Preset {
  name: Exclude<PresetName, 'off'>;
  summary: string;
  settings: Record<string, string>;
  rules: Array<Omit<BadnessRule, 'source'>>;
  /** Take the base keys and `@` rules from nohang's packaged desktop config. */
  desktopBase?: boolean;
}

const THRESHOLDS = {
  warning_threshold_min_mem: '20 %',
  soft_threshold_min_mem: '5 %',
  hard_threshold_min_mem: '2 %',
  warning_threshold_min_swap: '25 %',
  soft_threshold_min_swap: '10 %',
  hard_threshold_min_swap: '4 %',
  zram_checking_enabled: 'False',
  psi_checking_enabled: 'True',
  psi_metrics: 'full_avg10',
  psi_excess_duration: '30',
  warning_threshold_max_psi: '10',
  soft_threshold_max_psi: '40',
  hard_threshold_max_psi: '90',
};

const protect = (match: BadnessRule['match'], pattern: string): Omit<BadnessRule, 'source'> => ({
  kind: 'badness',
  match,
  adj: PROTECT_ADJ,
  pattern,
});

export const PRESET_TABLE: Readonly<Record<Preset['name'], Preset>> = {
  server: {
    name: 'server',
    summary: "nohang's thresholds with PSI checking on; sshd is protected",
    settings: {...THRESHOLDS},
    rules: [protect('name', '^sshd$')],
  },
  desktop: {
    name: 'desktop',
    summary:
      "nohang's desktop config: PSI, low-memory warnings, GUI notifications, desktop sessions protected",
    settings: {...THRESHOLDS, post_action_gui_notifications: 'True', low_memory_warnings_enabled: 'True'},
    rules: [],
    desktopBase: true,
  },
  recovery: {
    name: 'recovery',
    summary: 'tight thresholds that act early; the console, getty, sshd and immucore are protected',
    settings: {
      ...THRESHOLDS,
      soft_threshold_min_mem: '10 %',
      hard_threshold_min_mem: '5 %',
      soft_threshold_min_swap: '10 %',
      hard_threshold_min_swap: '5 %',
      psi_excess_duration: '10',
      soft_threshold_max_psi: '20',
      hard_threshold_max_psi: '50',
      max_sleep: '1',
    },
    rules: [
      protect('name', '^(agetty|login|sshd|immucore|kairos-agent)$'),
      protect('cgroup', '(getty@[^/]*|console-getty|sshd)\\.service$'),
    ],
  },
};

/** The preset a boot gets when neither the cmdline nor a cloud-config names one. */
export function decideDefaultPreset(state: BootStateName): PresetName {
  return state === 'recovery' || state === 'autoreset' || state === 'live' ? 'recovery' : 'server';
}

/** The `@` rules of nohang 0.2.0's packaged nohang-desktop.conf (protect desktop sessions). */
export const DESKTOP_RULES: readonly string[] = [
  '@BADNESS_ADJ_RE_NAME   200  ///  ^(Web Content|Privileged Cont|file:// Content)$',
  '@BADNESS_ADJ_RE_NAME  -200  ///  ^(dnf|yum|packagekitd)$',
  ...[
    '^(/usr/libexec/Xorg|/usr/lib/xorg/Xorg|/usr/lib/Xorg|/usr/bin/X|/usr/bin/Xorg|/usr/bin/Xwayland|/usr/bin/weston|/usr/bin/sway)$',
    '^(/usr/bin/gnome-shell|/usr/bin/metacity|/usr/bin/mutter|/usr/lib/gnome-session/gnome-session-binary|/usr/libexec/gnome-session-binary|/usr/libexec/gnome-session-ctl)$',
    '^(/usr/bin/plasma-desktop|/usr/bin/plasmashell|/usr/bin/plasma_session|/usr/bin/kwin|/usr/bin/kwin_x11|/usr/bin/kwin_wayland)$',
    '^(/usr/bin/startplasma-wayland|/usr/lib/x86_64-linux-gnu/libexec/startplasma-waylandsession|/usr/bin/ksmserver)$',
    '^(/usr/bin/cinnamon|/usr/bin/muffin|/usr/bin/cinnamon-session|/usr/bin/cinnamon-launcher)$',
    '^(/usr/bin/xfwm4|/usr/bin/xfce4-session|/usr/bin/xfce4-panel|/usr/bin/xfdesktop)$',
    '^(/usr/bin/marco|/usr/bin/mate-session|/usr/bin/caja|/usr/bin/mate-panel)$',
    '^(/usr/bin/lxqt-panel|/usr/bin/pcmanfm-qt|/usr/bin/lxqt-session)$',
    '^(/usr/bin/budgie-wm|/usr/bin/budgie-panel)$',
    '^(/usr/bin/compiz|/usr/bin/openbox|/usr/bin/fluxbox|/usr/bin/awesome|/usr/bin/icewm|/usr/bin/enlightenment|/usr/bin/gala|/usr/bin/wingpanel|/usr/bin/i3)$',
    '^(/usr/sbin/gdm|/usr/sbin/gdm3|/usr/sbin/sddm|/usr/bin/sddm|/usr/lib/x86_64-linux-gnu/sddm/sddm-helper|/usr/bin/slim|/usr/sbin/lightdm|/usr/libexec/gdm-session-worker|/usr/libexec/gdm-wayland-session|/usr/lib/gdm3/gdm-wayland-session|/usr/lib/gdm3/gdm-session-worker)$',
    '^/usr/lib/gdm3/',
    '^(/lib/systemd/systemd-logind|/usr/lib/systemd/systemd-logind)$',
    '^(/lib/systemd/systemd|/usr/lib/systemd/systemd)$',
    '^(/usr/bin/dbus-daemon|/usr/bin/dbus-run-session|/usr/bin/dbus-broker-launcher|/usr/bin/dbus-broker)$',
    '^(/usr/bin/calamares|/usr/bin/dpkg|/usr/bin/pacman|/usr/bin/yay|/usr/bin/pamac|/usr/bin/pamac-daemon|/usr/bin/pamac-manager)$',
  ].map((re) => `@BADNESS_ADJ_RE_REALPATH -200  ///  ${re}`),
];

/** The three booleans nohang-desktop.conf sets differently from nohang.conf. */
export const DESKTOP_DIFFERENCES = {
  psi_checking_enabled: 'True',
  post_action_gui_notifications: 'True',
  low_memory_warnings_enabled: 'True',
} as const;
