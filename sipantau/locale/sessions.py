"""Sessions and the login and logout pages (sipantau/web.py, sipantau/webpages.py).

Key → (Bahasa Indonesia, English). Merged by sipantau.i18n, which refuses a key defined twice.
"""

TEXT: dict[str, tuple[str, str]] = {
    "web_signed_out": ("Anda telah keluar.", "You have signed out."),
    "web_session_ended": ("Sesi Anda sudah berakhir. Silakan masuk lagi.",
                          "Your session has ended. Please sign in again."),
    "web_session_revoked": ("Sesi Anda diakhiri: kata sandi diganti, akun dinonaktifkan, atau dicabut admin. "
                            "Silakan masuk lagi.",
                            "Your session was ended: the password changed, the account was disabled, or an "
                            "admin revoked it. Please sign in again."),
    "web_form_expired": ("Formulir ini kedaluwarsa atau tidak dikirim dari halaman Sipantau. Silakan coba lagi.",
                         "This form has expired or was not sent from a Sipantau page. Please try again."),
    "web_fill_both": ("Isi nama pengguna dan kata sandi.", "Enter your username and password."),
    "web_wrong_credentials": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "web_request_too_large": ("Permintaan terlalu besar.", "The request is too large."),
    "web_logout_title": ("Keluar dari Sipantau", "Sign out of Sipantau"),
    "web_logout_question": ("Akhiri sesi {user} di peramban ini?", "End the session of {user} in this browser?"),
    "web_cancel": ("Batal", "Cancel"),
        "inp_users_end_sessions": ("Akhiri semua sesi", "End all sessions"),
    "inp_users_end_sessions_help": ("Keluarkan pengguna ini dari setiap peramban, termasuk layar ruang operasi.",
                                    "Sign this user out of every browser, the operations-room screen included."),
    "inp_users_sessions_ended": ("Semua sesi pengguna ini diakhiri.", "Every session of this user has ended."),
}
